package dev.celadon.benchmarks;

import dev.celadon.hypervisor.BootConfig;
import dev.celadon.hypervisor.GuestProfile;
import dev.celadon.hypervisor.IntegrationServices;
import dev.celadon.hypervisor.NetworkConfig;
import dev.celadon.hypervisor.PartitionName;
import dev.celadon.hypervisor.VmConfig;
import dev.celadon.hypervisor.Worker;
import dev.celadon.hypervisor.qemu.QemuHypervisor;
import dev.celadon.hypervisor.qemu.QemuSettings;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Whole-process measurements of one worker (issue 3), with real QEMU under the machine's accelerator:
 * <ol>
 *   <li>launch to QMP-ready (spawn to negotiated QMP, as the hypervisor logs it) and launch to running
 *       ({@code Hypervisor.start}: disks, record, launch, QMP, balloon target, {@code cont}) against a bare
 *       {@code qemu-system-x86_64} with the same argv doing the same negotiation and {@code cont};
 *       runs interleaved so drift hits both alike;</li>
 *   <li>start to first agent heartbeat of the tiny guest;</li>
 *   <li>the worker's memory beyond guest RAM: its RSS less the resident part of the guest RAM mapping;</li>
 *   <li>where libvirt answers on {@code qemu:///system}, the same guest as a libvirt domain side by side:
 *       {@code virsh create} latency, create to first agent heartbeat, and the domain's memory beyond
 *       guest RAM, plus libvirtd's own.</li>
 * </ol>
 * Usage: {@code java -cp benchmarks.jar dev.celadon.benchmarks.WorkerBenchmark IMAGES_DIR [RUNS]}
 */
public final class WorkerBenchmark {

    private WorkerBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Path images = Path.of(args[0]).toAbsolutePath();
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 15;
        Path state = Files.createTempDirectory("cb");
        try (QemuHypervisor hypervisor = new QemuHypervisor(QemuSettings.defaults(state, List.of(images)))) {
            System.out.println("accel: " + hypervisor.accelDecision());
            launchVersusBare(hypervisor, runs);
            heartbeatAndOverhead(hypervisor, Math.max(3, runs / 3));
        }
        libvirtSideBySide(images, Math.max(3, runs / 3));
    }

    static VmConfig tiny(String name, boolean agent) {
        return new VmConfig(new PartitionName(name), GuestProfile.ENLIGHTENED, 1, 128L << 20, 256L << 20,
                new BootConfig.Kernel("tiny/vmlinuz", Optional.of("tiny/initrd.img"),
                        "console=ttyS0 no_timer_check celadon.hostname=" + name),
                List.of(), List.of(new NetworkConfig("mgmt", new NetworkConfig.User(List.of()))), List.of(),
                agent ? IntegrationServices.ALL : IntegrationServices.NONE, Duration.ofSeconds(10));
    }

    /** Reads "QMP ready N ms after launch" from the hypervisor's own log: its clock, from spawn to negotiated QMP. */
    static final class QmpReadyLog extends java.util.logging.Handler {
        private static final java.util.regex.Pattern READY = java.util.regex.Pattern.compile("QMP ready (\\d+) ms after launch");
        final List<Double> millis = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public void publish(java.util.logging.LogRecord record) {
            String message = record instanceof org.jboss.logmanager.ExtLogRecord ext ? ext.getFormattedMessage()
                    : record.getMessage();
            java.util.regex.Matcher m = READY.matcher(message == null ? "" : message);
            if (m.find()) {
                millis.add(Double.parseDouble(m.group(1)));
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }

    private static void launchVersusBare(QemuHypervisor hypervisor, int runs) throws Exception {
        List<Double> ours = new ArrayList<>();
        List<Double> bare = new ArrayList<>();
        List<Double> bareQmp = new ArrayList<>();
        QmpReadyLog oursQmp = new QmpReadyLog();
        // The launcher (package-private in the hypervisor) logs it.
        java.util.logging.Logger.getLogger("dev.celadon.hypervisor.qemu.Launcher").addHandler(oursQmp);
        for (int i = 0; i < runs; i++) {
            VmConfig config = tiny("launch", true);
            long t0 = System.nanoTime();
            Worker worker = hypervisor.start(config);
            ours.add(millisSince(t0));
            long pid = worker.status().pid().orElseThrow();
            List<String> argv = cmdline(pid);
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            awaitExit(pid);
            hypervisor.delete(config.name(), true);
            double[] times = bareLaunch(argv);
            bareQmp.add(times[0]);
            bare.add(times[1]);
        }
        System.out.printf("launch to QMP-ready, %d runs: celadon median %.1f ms, bare qemu median %.1f ms, ratio %.2f%n",
                runs, median(oursQmp.millis), median(bareQmp), median(oursQmp.millis) / median(bareQmp));
        System.out.printf("launch to running (celadon also sets the balloon target), %d runs: celadon median %.1f ms,"
                + " bare qemu median %.1f ms, ratio %.2f%n", runs, median(ours), median(bare), median(ours) / median(bare));
    }

    /**
     * The same argv as a bare process: connect to QMP, read the greeting, negotiate, {@code cont}.
     * Returns the milliseconds to negotiated QMP and to running.
     */
    private static double[] bareLaunch(List<String> argv) throws Exception {
        Path qmp = Path.of(argv.stream().filter(a -> a.contains("id=charmonitor")).findFirst().orElseThrow()
                .replaceAll(".*path=([^,]+).*", "$1"));
        // delete() took the worker's folder (the argv's pid file) and the exit its run dir (the sockets).
        Files.createDirectories(qmp.getParent());
        Files.createDirectories(Path.of(argv.get(argv.indexOf("-pidfile") + 1)).getParent());
        Files.deleteIfExists(qmp);
        long t0 = System.nanoTime();
        Process process = new ProcessBuilder(argv).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try (SocketChannel channel = connect(qmp, process)) {
            readLine(channel);
            send(channel, "{\"execute\":\"qmp_capabilities\"}");
            readReturn(channel);
            double qmpReady = millisSince(t0);
            send(channel, "{\"execute\":\"cont\"}");
            readReturn(channel);
            return new double[] {qmpReady, millisSince(t0)};
        } finally {
            process.destroyForcibly().waitFor();
        }
    }

    private static void heartbeatAndOverhead(QemuHypervisor hypervisor, int runs) throws Exception {
        List<Double> heartbeats = new ArrayList<>();
        List<Double> overheadMiB = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            VmConfig config = tiny("heartbeat", true);
            long t0 = System.nanoTime();
            Worker worker = hypervisor.start(config);
            while (true) {
                try {
                    worker.probeGuest();
                    break;
                } catch (Exception notYet) {
                    Thread.sleep(50);
                }
            }
            heartbeats.add(millisSince(t0));
            overheadMiB.add(overheadKiB(worker.status().pid().orElseThrow(), config.maxMemoryBytes()) / 1024.0);
            worker.stop(Duration.ofSeconds(10));
            hypervisor.delete(config.name(), true);
        }
        System.out.printf("start to first agent heartbeat, %d runs: median %.0f ms (min %.0f, max %.0f)%n", runs,
                median(heartbeats), heartbeats.stream().mapToDouble(d -> d).min().orElse(0),
                heartbeats.stream().mapToDouble(d -> d).max().orElse(0));
        System.out.printf("worker memory beyond guest RAM (RSS less the guest RAM mapping's RSS), after boot:"
                + " median %.1f MiB%n", median(overheadMiB));
    }

    /** The tiny guest as libvirt describes it: the same kernel, memory, CPU model, NIC, agent channel, balloon. */
    private static final String DOMAIN = """
            <domain type='qemu'>
              <name>%s</name>
              <memory unit='MiB'>256</memory>
              <currentMemory unit='MiB'>128</currentMemory>
              <vcpu>1</vcpu>
              <os>
                <type arch='x86_64' machine='q35'>hvm</type>
                <kernel>%s/vmlinuz</kernel>
                <initrd>%s/initrd.img</initrd>
                <cmdline>console=ttyS0 no_timer_check celadon.hostname=%s</cmdline>
              </os>
              <cpu mode='maximum'/>
              <devices>
                <interface type='user'><model type='virtio'/></interface>
                <channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>
                <memballoon model='virtio'/>
                <serial type='pty'/>
              </devices>
            </domain>
            """;

    private static void libvirtSideBySide(Path images, int runs) throws Exception {
        if (virsh("version") != 0) {
            System.out.println("libvirt: not available on qemu:///system; side-by-side skipped");
            return;
        }
        // libvirt runs QEMU as its own user, which must read the boot files.
        Path boot = Files.createTempDirectory("cb-libvirt");
        boot.toFile().setReadable(true, false);
        boot.toFile().setExecutable(true, false);
        for (String file : List.of("vmlinuz", "initrd.img")) {
            Files.copy(images.resolve("tiny").resolve(file), boot.resolve(file));
            boot.resolve(file).toFile().setReadable(true, false);
        }
        Path xml = boot.resolve("domain.xml");
        Files.writeString(xml, DOMAIN.formatted("cb-tiny", boot, boot, "cb-tiny"));
        List<Double> creates = new ArrayList<>();
        List<Double> heartbeats = new ArrayList<>();
        List<Double> overheadMiB = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            if (virsh("create", xml.toString()) != 0) {
                throw new IllegalStateException("virsh create failed");
            }
            creates.add(millisSince(t0));
            while (virsh("qemu-agent-command", "cb-tiny", "{\"execute\":\"guest-ping\"}") != 0) {
                Thread.sleep(50);
            }
            heartbeats.add(millisSince(t0));
            long pid = Long.parseLong(Files.readString(Path.of("/run/libvirt/qemu/cb-tiny.pid")).strip());
            overheadMiB.add(overheadKiB(pid, 256L << 20) / 1024.0);
            virsh("destroy", "cb-tiny");
        }
        long libvirtd = ProcessHandle.allProcesses()
                .filter(p -> p.info().command().map(c -> c.endsWith("/libvirtd") || c.endsWith("/virtlogd")).orElse(false))
                .mapToLong(p -> {
                    try {
                        return StartupBenchmark.rssKiB(p.pid());
                    } catch (IOException gone) {
                        return 0;
                    }
                }).sum();
        System.out.printf("libvirt, %d runs: virsh create median %.0f ms; create to first agent heartbeat median %.0f ms;"
                + " domain memory beyond guest RAM median %.1f MiB; libvirtd+virtlogd RSS %d MiB%n", runs,
                median(creates), median(heartbeats), median(overheadMiB), libvirtd / 1024);
    }

    private static int virsh(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("virsh", "-q", "-c", "qemu:///system"));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start().waitFor();
    }

    /**
     * The worker's resident memory that is not guest RAM: guest RAM is the one anonymous mapping of
     * exactly the configured size (QEMU allocates it whole); everything else is QEMU's own.
     */
    static long overheadKiB(long pid, long guestRamBytes) throws IOException {
        long total = 0;
        long guest = 0;
        boolean inGuestRam = false;
        for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "smaps"))) {
            if (Character.isDigit(line.charAt(0)) || (line.charAt(0) >= 'a' && line.charAt(0) <= 'f' && line.contains("-"))) {
                String[] range = line.split("\\s+")[0].split("-");
                long size = Long.parseUnsignedLong(range[1], 16) - Long.parseUnsignedLong(range[0], 16);
                inGuestRam = size == guestRamBytes;
            } else if (line.startsWith("Rss:")) {
                long kib = Long.parseLong(line.replaceAll("\\D", ""));
                total += kib;
                if (inGuestRam) {
                    guest += kib;
                }
            }
        }
        return total - guest;
    }

    private static List<String> cmdline(long pid) throws IOException {
        String raw = new String(Files.readAllBytes(Path.of("/proc", String.valueOf(pid), "cmdline")),
                StandardCharsets.UTF_8);
        return Arrays.asList(raw.split("\0"));
    }

    private static SocketChannel connect(Path socket, Process process) throws Exception {
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException("bare qemu exited: " + process.exitValue());
            }
            if (Files.exists(socket)) {
                try {
                    SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
                    channel.connect(UnixDomainSocketAddress.of(socket));
                    return channel;
                } catch (IOException notYet) {
                    // The file appears before QEMU listens on it.
                }
            }
            Thread.sleep(1);
        }
    }

    private static void send(SocketChannel channel, String json) throws IOException {
        channel.write(ByteBuffer.wrap((json + "\n").getBytes(StandardCharsets.UTF_8)));
    }

    private static void readReturn(SocketChannel channel) throws IOException {
        String line;
        do {
            line = readLine(channel);
        } while (!line.contains("\"return\"") && !line.contains("\"error\""));
    }

    private static String readLine(SocketChannel channel) throws IOException {
        StringBuilder line = new StringBuilder();
        ByteBuffer one = ByteBuffer.allocate(1);
        while (true) {
            one.clear();
            if (channel.read(one) < 0) {
                throw new IOException("QMP closed");
            }
            char c = (char) one.get(0);
            if (c == '\n') {
                return line.toString();
            }
            line.append(c);
        }
    }

    private static void awaitExit(long pid) {
        ProcessHandle.of(pid).ifPresent(p -> p.onExit().join());
    }

    private static double millisSince(long t0) {
        return (System.nanoTime() - t0) / 1e6;
    }

    static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
