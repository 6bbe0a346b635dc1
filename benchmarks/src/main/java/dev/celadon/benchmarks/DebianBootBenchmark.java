package dev.celadon.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.StreamSupport;

/**
 * The Debian guest ({@code make guest-debian}) from commit to its agent's first heartbeat, against the same image
 * started by libvirt with Debian's {@code virt-install --import --cloud-init} (issue 15), in pairs, interleaved
 * (the order alternates, so drift hits both alike):
 * <ol>
 *   <li>Celadon: the packaged reconciler polls a local {@code git daemon} every second. A commit declares the
 *       partition (UEFI, the image by path, a 4 GiB disk, user networking, the user-data below); measured from
 *       just before {@code git commit} to the {@code guest.heartbeatAt} that {@code /status} first shows, which
 *       is the reconciler's own clock at the first agent ping that answered (the same host clock as ours). When
 *       {@code /status} showed it is printed too. Then the spec is removed in a commit and the benchmark waits
 *       until the partition and its QEMU are gone.</li>
 *   <li>libvirt: from just before {@code qemu-img create} of a fresh overlay of the same image, through
 *       {@code virt-install --import --cloud-init user-data=FILE --virt-type qemu --boot uefi --noautoconsole}
 *       (same vCPUs, memory, disk size, firmware, machine type, disk bus and NIC model), until
 *       {@code virsh qemu-agent-command DOM '{"execute":"guest-ping"}'} first succeeds (tried every
 *       {@link #LIBVIRT_POLL}); then {@code virsh destroy} and {@code undefine --nvram}.</li>
 * </ol>
 * Both boot a byte-for-byte copy of the image in a scratch folder that libvirt's QEMU user can read (libvirt
 * relabels what a domain opens; the original is left alone). Each QEMU argv and serial console is written next to
 * the logs.
 * <p>Usage: {@code java -cp benchmarks.jar dev.celadon.benchmarks.DebianBootBenchmark QUARKUS_RUN_JAR
 * DEBIAN_QCOW2 [PAIRS [JVM_ARGFILE]]}; {@code make bench-deps} installs virtinst and starts libvirt's daemons.
 */
public final class DebianBootBenchmark {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    /** Under TCG a Debian boot took 2 to 7 minutes on a busy two-core host; this only stops a hung run. */
    private static final Duration BOOT = Duration.ofMinutes(15);
    private static final Duration LIBVIRT_POLL = Duration.ofMillis(200);
    private static final Duration STATUS_POLL = Duration.ofMillis(100);
    private static final String DOMAIN_PREFIX = "cdb-debian-";
    private static final int CPUS = 1;
    private static final int MEMORY_MIB = 1024;
    private static final int DISK_GIB = 4;
    /** The same user-data for both: cloud-init runs it, the heartbeat does not wait for it. */
    private static final String USER_DATA = """
            #cloud-config
            runcmd:
              - [sh, -c, "echo provisioned > /var/tmp/bench-proof"]
            """;

    private DebianBootBenchmark() {
    }

    /**
     * One boot's times, in seconds from the start of the run, and the CPU seconds its QEMU had used by the
     * heartbeat: under TCG the guest advances with the CPU its QEMU gets, so that figure does not move with
     * what else the host runs, where the wall times do.
     */
    private record Boot(double toHeartbeat, double seen, double launched, double qemuCpu, String loadAverage) {
    }

    public static void main(String[] args) throws Exception {
        Path jar = Path.of(args[0]).toAbsolutePath();
        Path image = Path.of(args[1]).toAbsolutePath();
        int pairs = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        if (run("virsh", "-q", "-c", "qemu:///system", "version") != 0 || run("virt-install", "--version") != 0) {
            throw new IllegalStateException("libvirt (qemu:///system) and virt-install are needed: run `make bench-deps`");
        }
        Path root = Files.createTempDirectory(Path.of("/var/tmp"), "cdb", PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwxr-xr-x")));
        Path logs = Files.createDirectories(root.resolve("logs"));
        Path base = copyVerified(image, root.resolve("images/debian/debian-12.qcow2"));
        Path userData = root.resolve("user-data");
        Files.writeString(userData, USER_DATA);
        userData.toFile().setReadable(true, false);
        System.out.printf("logs and argvs: %s; load average at the start: %s%n", logs, loadAverage());

        List<String> command = PackagedReconciler.command(jar, args, 3);
        Process reconciler = null;
        List<Boot> celadon = new ArrayList<>();
        List<Boot> libvirt = new ArrayList<>();
        try (LocalGit repo = LocalGit.start(root.resolve("git"))) {
            int port = LocalGit.freePort();
            reconciler = PackagedReconciler.start(command, repo, root.resolve("state"), root.resolve("images"), port,
                    logs.resolve("reconciler.log"), Map.of("CELADON_HYPERVISOR_ACCEL", "tcg"));
            String api = "http://127.0.0.1:" + port;
            await(api, doc -> doc.path("source").path("revision").isTextual(), Duration.ofMinutes(1));

            for (int i = 0; i < pairs; i++) {
                // Alternate who goes first: a host that gets busier or quieter during a pair favours neither.
                boolean celadonFirst = i % 2 == 0;
                for (int side = 0; side < 2; side++) {
                    if ((side == 0) == celadonFirst) {
                        Boot boot = celadon(repo, api, "bench-debian-" + i, root.resolve("state/hypervisor/workers"), logs);
                        celadon.add(boot);
                        System.out.printf("pair %d, celadon: commit to first heartbeat %.1f s (status showed it at"
                                + " %.1f s; Running at %.1f s); QEMU CPU by then %.1f s; load average %s%n", i,
                                boot.toHeartbeat(), boot.seen(), boot.launched(), boot.qemuCpu(), boot.loadAverage());
                    } else {
                        Boot boot = libvirt(base, userData, DOMAIN_PREFIX + i, root.resolve("libvirt"), logs);
                        libvirt.add(boot);
                        System.out.printf("pair %d, libvirt: overlay + virt-install to first guest-ping %.1f s"
                                + " (virt-install returned at %.1f s); QEMU CPU by then %.1f s; load average %s%n", i,
                                boot.toHeartbeat(), boot.launched(), boot.qemuCpu(), boot.loadAverage());
                    }
                }
            }
        } finally {
            if (reconciler != null) {
                reconciler.destroyForcibly().waitFor();
            }
            cleanUp(root);
        }
        double ours = WorkerBenchmark.median(celadon.stream().map(Boot::toHeartbeat).toList());
        double theirs = WorkerBenchmark.median(libvirt.stream().map(Boot::toHeartbeat).toList());
        System.out.printf("celadon, %d runs: commit to first heartbeat median %.1f s (%s); status showed it median %.1f s;"
                + " Running median %.1f s%n", celadon.size(), ours, range(celadon.stream().map(Boot::toHeartbeat).toList()),
                WorkerBenchmark.median(celadon.stream().map(Boot::seen).toList()),
                WorkerBenchmark.median(celadon.stream().map(Boot::launched).toList()));
        System.out.printf("libvirt, %d runs: overlay + virt-install to first guest-ping median %.1f s (%s);"
                + " virt-install returned median %.1f s%n", libvirt.size(), theirs,
                range(libvirt.stream().map(Boot::toHeartbeat).toList()),
                WorkerBenchmark.median(libvirt.stream().map(Boot::launched).toList()));
        double oursCpu = WorkerBenchmark.median(celadon.stream().map(Boot::qemuCpu).toList());
        double theirsCpu = WorkerBenchmark.median(libvirt.stream().map(Boot::qemuCpu).toList());
        System.out.printf("QEMU CPU seconds to the first heartbeat: celadon median %.1f s (%s), libvirt median %.1f s (%s),"
                + " ratio %.2f%n", oursCpu, range(celadon.stream().map(Boot::qemuCpu).toList()), theirsCpu,
                range(libvirt.stream().map(Boot::qemuCpu).toList()), oursCpu / theirsCpu);
        System.out.printf("ratio celadon / libvirt: %.2f (goal <= 1.0); load average at the end: %s%n", ours / theirs,
                loadAverage());
    }

    private static Boot celadon(LocalGit repo, String base, String name, Path workers, Path logs) throws Exception {
        String load = loadAverage();
        repo.write("partitions.d/" + name + ".yaml", spec(name));
        Instant commitAt = Instant.now();
        long t0 = System.nanoTime();
        repo.commitAndPush(name);
        double running = -1;
        JsonNode partition;
        // The worker's CPU seconds, sampled with each status read, to read off at the heartbeat's instant.
        java.util.NavigableMap<Instant, Double> cpu = new java.util.TreeMap<>();
        while (true) {
            partition = partition(status(base), name).orElse(null);
            if (partition != null && running < 0 && "Running".equals(partition.path("phase").asText())) {
                running = secondsSince(t0);
            }
            if (partition != null && partition.path("worker").path("pid").asLong() > 0) {
                cpu.put(Instant.now(), cpuSeconds(partition.path("worker").path("pid").asLong()));
            }
            if (partition != null && partition.path("guest").path("heartbeatAt").isTextual()) {
                break;
            }
            if (secondsSince(t0) > BOOT.toSeconds()) {
                throw new IllegalStateException(name + ": no heartbeat after " + BOOT + "; see " + logs);
            }
            Thread.sleep(STATUS_POLL.toMillis());
        }
        double seen = secondsSince(t0);
        Instant heartbeat = Instant.parse(partition.path("guest").path("heartbeatAt").asText());
        long pid = partition.path("worker").path("pid").asLong();
        Files.writeString(logs.resolve(name + ".argv"), argv(pid));
        // The console (kernel times, cloud-init's "Up N seconds") says where the guest's boot went.
        Files.copy(workers.resolve(name).resolve("console.log"), logs.resolve(name + ".console"));
        repo.delete("partitions.d/" + name + ".yaml");
        repo.commitAndPush("remove " + name);
        // Stopped through its agent (a Debian shutdown under TCG takes tens of seconds), then deleted.
        awaitGone(base, name, pid);
        var atHeartbeat = cpu.floorEntry(heartbeat);
        return new Boot(Duration.between(commitAt, heartbeat).toMillis() / 1000.0, seen, running,
                atHeartbeat == null ? Double.NaN : atHeartbeat.getValue(), load);
    }

    private static String spec(String name) {
        return """
                apiVersion: celadon.dev/v1alpha1
                kind: Partition
                metadata:
                  name: %s
                spec:
                  cpus: %d
                  memory: %dMi
                  boot: {firmware: uefi}
                  disks:
                    - name: root
                      image: debian/debian-12.qcow2
                      size: %dGi
                  networks:
                    - name: mgmt
                      user: {}
                  cloudInit:
                    userData: |
                %s
                  shutdownGracePeriod: 60s
                  deletionPolicy: Delete
                """.formatted(name, CPUS, MEMORY_MIB, DISK_GIB, USER_DATA.strip().indent(6).stripTrailing());
    }

    private static Boot libvirt(Path base, Path userData, String domain, Path dir, Path logs) throws Exception {
        String load = loadAverage();
        Files.createDirectories(dir);
        Path overlay = dir.resolve(domain + ".qcow2");
        Path log = logs.resolve(domain + ".virt-install.log");
        long t0 = System.nanoTime();
        try {
            check(run(log, "qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", base.toString(),
                    overlay.toString(), DISK_GIB + "G"), "qemu-img create", log);
            check(run(log, "virt-install", "--connect", "qemu:///system", "--name", domain, "--virt-type", "qemu",
                    "--machine", "q35", "--cpu", "mode=maximum", "--vcpus", String.valueOf(CPUS),
                    "--memory", String.valueOf(MEMORY_MIB), "--osinfo", "debian11", "--import",
                    "--disk", "path=" + overlay + ",format=qcow2,bus=virtio",
                    "--cloud-init", "user-data=" + userData,
                    "--network", "user,model=virtio",
                    "--channel", "unix,target.type=virtio,name=org.qemu.guest_agent.0",
                    // OVMF without Secure Boot, as Celadon's firmware: uefi (OVMF_CODE_4M.fd + OVMF_VARS_4M.fd).
                    "--boot", "uefi,firmware.feature0.name=secure-boot,firmware.feature0.enabled=no,"
                            + "firmware.feature1.name=enrolled-keys,firmware.feature1.enabled=no",
                    "--serial", "file,path=" + logs.resolve(domain + ".console"),
                    "--graphics", "none", "--noautoconsole"), "virt-install", log);
            double launched = secondsSince(t0);
            long pid = Long.parseLong(Files.readString(Path.of("/run/libvirt/qemu", domain + ".pid")).strip());
            while (run("virsh", "-q", "-c", "qemu:///system", "qemu-agent-command", domain,
                    "{\"execute\":\"guest-ping\"}") != 0) {
                if (secondsSince(t0) > BOOT.toSeconds()) {
                    throw new IllegalStateException(domain + ": no guest-ping answer after " + BOOT);
                }
                Thread.sleep(LIBVIRT_POLL.toMillis());
            }
            double agent = secondsSince(t0);
            double qemuCpu = cpuSeconds(pid);
            Files.writeString(logs.resolve(domain + ".argv"), argv(pid));
            return new Boot(agent, agent, launched, qemuCpu, load);
        } finally {
            removeDomain(domain);
            Files.deleteIfExists(overlay);
        }
    }

    private static void removeDomain(String domain) throws IOException, InterruptedException {
        run("virsh", "-q", "-c", "qemu:///system", "destroy", domain);
        run("virsh", "-q", "-c", "qemu:///system", "undefine", domain, "--nvram");
    }

    /** No domain, QEMU or image left behind, whatever happened. */
    private static void cleanUp(Path root) throws IOException, InterruptedException {
        Process list = new ProcessBuilder("virsh", "-q", "-c", "qemu:///system", "list", "--all", "--name")
                .redirectErrorStream(true).start();
        String names = new String(list.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        list.waitFor();
        for (String domain : names.split("\\s+")) {
            if (domain.startsWith(DOMAIN_PREFIX)) {
                removeDomain(domain);
            }
        }
        String marker = root.toString();
        ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().map(c -> c.contains("qemu-system") && c.contains(marker)).orElse(false))
                .forEach(p -> {
                    p.destroyForcibly();
                    p.onExit().join();
                });
        for (String big : List.of("images", "state", "libvirt", "git")) {
            deleteTree(root.resolve(big));
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** The image copied to where both can read it, checked against its .sha256 so both boot the same bytes. */
    private static Path copyVerified(Path image, Path target) throws Exception {
        Files.createDirectories(target.getParent());
        // libvirt's QEMU runs as its own user, which must reach the image.
        for (Path dir : List.of(target.getParent().getParent(), target.getParent())) {
            dir.toFile().setReadable(true, false);
            dir.toFile().setExecutable(true, false);
        }
        Files.copy(image, target);
        target.toFile().setReadable(true, false);
        String expected = Files.readString(image.resolveSibling(image.getFileName() + ".sha256")).split("\\s+")[0];
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(target)) {
            byte[] buffer = new byte[1 << 20];
            for (int n; (n = in.read(buffer)) > 0; ) {
                sha.update(buffer, 0, n);
            }
        }
        String actual = HexFormat.of().formatHex(sha.digest());
        if (!actual.equals(expected)) {
            throw new IllegalStateException(image + ": sha256 " + actual + ", its .sha256 says " + expected);
        }
        return target;
    }

    private static void awaitGone(String base, String name, long pid) throws Exception {
        long t0 = System.nanoTime();
        while (partition(status(base), name).isPresent() || ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            if (secondsSince(t0) > BOOT.toSeconds()) {
                throw new IllegalStateException(name + " still there after " + BOOT);
            }
            Thread.sleep(500);
        }
    }

    private static Optional<JsonNode> partition(JsonNode doc, String name) {
        return StreamSupport.stream(doc.path("partitions").spliterator(), false)
                .filter(p -> name.equals(p.path("name").asText())).findFirst();
    }

    private static void await(String base, java.util.function.Predicate<JsonNode> done, Duration timeout) throws Exception {
        long t0 = System.nanoTime();
        while (secondsSince(t0) < timeout.toSeconds()) {
            try {
                if (done.test(status(base))) {
                    return;
                }
            } catch (IOException notYet) {
                // The reconciler is still starting.
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("timed out after " + timeout);
    }

    private static JsonNode status(String base) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/status")).build(),
                HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(response.body());
    }

    private static String argv(long pid) throws IOException {
        return new String(Files.readAllBytes(Path.of("/proc", String.valueOf(pid), "cmdline")), StandardCharsets.UTF_8)
                .replace('\0', '\n');
    }

    /** User + system CPU seconds of a process, all its threads, from /proc (clock ticks of 1/100 s). */
    private static double cpuSeconds(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / 100.0;
    }

    private static String loadAverage() throws IOException {
        String[] fields = Files.readString(Path.of("/proc/loadavg")).split(" ");
        return fields[0] + " " + fields[1] + " " + fields[2];
    }

    private static String range(List<Double> values) {
        return String.format("%.1f–%.1f s", values.stream().mapToDouble(d -> d).min().orElse(0),
                values.stream().mapToDouble(d -> d).max().orElse(0));
    }

    private static double secondsSince(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    private static int run(String... command) throws IOException, InterruptedException {
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start().waitFor();
    }

    private static int run(Path log, String... command) throws IOException, InterruptedException {
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start().waitFor();
    }

    private static void check(int exit, String what, Path log) {
        if (exit != 0) {
            throw new IllegalStateException(what + " failed (exit " + exit + "); see " + log);
        }
    }
}
