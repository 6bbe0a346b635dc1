package dev.celadon.reconciler.appliance;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The built appliance image booted as an operator would: a copy of {@code celadon.raw} whose
 * {@code celadon.properties} is written into the ESP with mtools (no mount), QEMU + OVMF under TCG,
 * 2 GiB, user networking with {@code restrict=on}: the guest reaches only the Git daemon, through a
 * guestfwd, and the host reaches only the status port, through a hostfwd on 127.0.0.1.
 */
final class ApplianceVm implements AutoCloseable {

    /** The slot of the appliance's spare PCI device (QEMU's pci-testdev) on its root bus. */
    private static final String SPARE_PCI_SLOT = "0x10";
    /** The spare PCI device's address as the appliance sees it: its own IOMMU group, no driver. */
    static final String SPARE_PCI = "0000:00:10.0";

    /** Where the guest finds Git: a guestfwd address inside QEMU's user network. */
    static final String GIT_HOST = "10.0.2.100:9418";
    /** Where the guest finds Git's smart HTTP, when the test serves it. */
    static final String GIT_HTTP_HOST = "10.0.2.101:80";
    /** Where the guest finds the test's HTTP server of boot images, when it serves them. */
    static final String IMAGES_HOST = "10.0.2.102:80";
    private static final Path OVMF_CODE = Path.of("/usr/share/OVMF/OVMF_CODE_4M.fd");
    private static final Path OVMF_VARS = Path.of("/usr/share/OVMF/OVMF_VARS_4M.fd");
    /** The ESP starts at 1 MiB (build-appliance.sh); mtools addresses it as IMAGE@@OFFSET. */
    private static final String ESP_OFFSET = "@@1M";

    private final Path dir;
    private final int statusPort;
    private final TestQemu qemu;

    /** The image {@code make image} built, named by the system property {@code celadon-test.appliance}; it must exist. */
    static Path image() {
        Path image = Path.of(System.getProperty("celadon-test.appliance", "../image-builder/target/images/appliance/celadon.raw"));
        if (!Files.exists(image)) {
            throw new IllegalStateException("the appliance image " + image + " is missing; run `make image`");
        }
        return image;
    }

    /** The tiny guest's folder beside the appliance {@code image} ({@code make image} builds both under one folder). */
    static Path tinyGuest(Path image) {
        return image.toAbsolutePath().getParent().getParent().resolve("tiny");
    }

    private ApplianceVm(Path dir, int statusPort, TestQemu qemu) {
        this.dir = dir;
        this.statusPort = statusPort;
        this.qemu = qemu;
    }

    /**
     * Copies the image into {@code dir} on a disk {@code extraMib} bigger than the image (as when it is
     * written to a bigger disk), writes {@code properties} as its celadon.properties and boots it, with
     * the guest's {@code git://10.0.2.100:9418} forwarded to the host's {@code gitPort}.
     */
    static ApplianceVm boot(Path image, Path dir, String properties, int gitPort, int extraMib) throws IOException {
        return boot(image, dir, properties, gitPort, extraMib, 0, 0, Map.of());
    }

    /**
     * As above, and with the guest's {@code http://10.0.2.101} forwarded to the host's {@code gitHttpPort} and
     * {@code http://10.0.2.102} to {@code imagesPort} (0: none), and {@code espFiles} (name → content) written into
     * the ESP's {@code celadon/} folder, as README's mcopy recipe does.
     */
    static ApplianceVm boot(Path image, Path dir, String properties, int gitPort, int extraMib, int gitHttpPort,
            int imagesPort, Map<String, String> espFiles) throws IOException {
        return boot(image, dir, properties, gitPort, extraMib, gitHttpPort, imagesPort, espFiles, 0, 0);
    }

    /**
     * As above; with a {@code hubPort}, the appliance's NIC, QEMU's user network and a UDP link from {@code hubPort}
     * to a peer at {@code peerPort} ({@link LanPeer}) share one QEMU hub: one LAN, whose untagged DHCP server is the
     * user network's.
     */
    static ApplianceVm boot(Path image, Path dir, String properties, int gitPort, int extraMib, int gitHttpPort,
            int imagesPort, Map<String, String> espFiles, int hubPort, int peerPort) throws IOException {
        Files.createDirectories(dir);
        Path disk = dir.resolve("celadon.raw");
        run(dir, "cp", "--sparse=always", image.toAbsolutePath().toString(), disk.toString());
        if (extraMib > 0) {
            run(dir, "truncate", "-s", "+" + extraMib + "M", disk.toString());
        }
        Path props = dir.resolve("celadon.properties");
        Files.writeString(props, properties, StandardCharsets.UTF_8);
        run(dir, "mcopy", "-o", "-i", disk + ESP_OFFSET, props.toString(), "::celadon.properties");
        if (!espFiles.isEmpty()) {
            Path files = Files.createDirectories(dir.resolve("esp-celadon"));
            for (Map.Entry<String, String> file : espFiles.entrySet()) {
                Files.writeString(files.resolve(file.getKey()), file.getValue(), StandardCharsets.UTF_8);
            }
            run(dir, "mcopy", "-s", "-o", "-i", disk + ESP_OFFSET, files.toString(), "::celadon");
        }
        Path vars = dir.resolve("OVMF_VARS.fd");
        Files.copy(OVMF_VARS, vars);
        int statusPort = freePort();
        // cmd: runs socat once per guest connection (a chardev target would carry one connection only).
        String netdev = "user,id=net0,restrict=on,hostfwd=tcp:127.0.0.1:" + statusPort + "-:8080,guestfwd=tcp:"
                + GIT_HOST + "-cmd:socat - TCP:127.0.0.1:" + gitPort
                + (gitHttpPort == 0 ? "" : ",guestfwd=tcp:" + GIT_HTTP_HOST + "-cmd:socat - TCP:127.0.0.1:" + gitHttpPort)
                + (imagesPort == 0 ? "" : ",guestfwd=tcp:" + IMAGES_HOST + "-cmd:socat - TCP:127.0.0.1:" + imagesPort);
        List<String> command = List.of("qemu-system-x86_64", "-accel", "tcg", "-machine", "q35", "-m", "2048",
                "-qmp", "unix:" + dir.resolve("qmp.sock") + ",server=on,wait=off",
                "-smp", "2", "-display", "none", "-no-user-config", "-nodefaults",
                // An IOMMU with interrupt remapping (VFIO refuses to assign devices without it) and a spare PCI device
                // a partition may be given: pass-through with no hardware.
                "-device", "intel-iommu,intremap=on", "-device", "pci-testdev,addr=" + SPARE_PCI_SLOT,
                "-serial", "file:" + dir.resolve("console.log"),
                "-drive", "if=pflash,format=raw,readonly=on,file=" + OVMF_CODE,
                "-drive", "if=pflash,format=raw,file=" + vars,
                "-drive", "if=virtio,format=raw,file=" + disk,
                "-netdev", netdev);
        command = new java.util.ArrayList<>(command);
        if (hubPort == 0) {
            command.addAll(List.of("-device", "virtio-net-pci,netdev=net0,romfile="));
        } else {
            command.addAll(List.of("-netdev", "hubport,id=hub-user,hubid=0,netdev=net0",
                    "-netdev", "dgram,id=lan,local.type=inet,local.host=127.0.0.1,local.port=" + hubPort
                            + ",remote.type=inet,remote.host=127.0.0.1,remote.port=" + peerPort,
                    "-netdev", "hubport,id=hub-lan,hubid=0,netdev=lan",
                    "-netdev", "hubport,id=hub-nic,hubid=0", "-device", "virtio-net-pci,netdev=hub-nic,romfile="));
        }
        return new ApplianceVm(dir, statusPort, TestQemu.start(dir, command));
    }

    String statusUrl() {
        return "http://127.0.0.1:" + statusPort;
    }

    boolean isAlive() {
        return qemu.isAlive();
    }

    /** What the appliance printed on its serial console so far. */
    String console() {
        return qemu.consoleText();
    }

    /**
     * Alt+SysRq+{@code key} on the appliance's PS/2 keyboard, through QEMU's monitor: what someone at the machine
     * could press. The appliance enables SysRq (its /init).
     */
    void sysrq(String key) throws IOException {
        try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(dir.resolve("qmp.sock")))) {
            BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
            OutputStream out = Channels.newOutputStream(channel);
            in.readLine(); // the greeting
            for (String command : List.of("{\"execute\":\"qmp_capabilities\"}", "{\"execute\":\"send-key\",\"arguments\":"
                    + "{\"keys\":[{\"type\":\"qcode\",\"data\":\"alt\"},{\"type\":\"qcode\",\"data\":\"sysrq\"},"
                    + "{\"type\":\"qcode\",\"data\":\"" + key + "\"}]}}")) {
                out.write((command + "\n").getBytes(StandardCharsets.UTF_8));
                String reply;
                do {
                    reply = in.readLine(); // events in between are passed over
                    if (reply == null || reply.contains("\"error\"")) {
                        throw new IOException("QMP " + command + ": " + reply);
                    }
                } while (!reply.contains("\"return\""));
            }
        }
    }

    /** Powers the machine off by ending QEMU: the partitions inside it end with it. */
    @Override
    public void close() {
        qemu.close();
    }

    private static void run(Path dir, String... command) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        builder.environment().put("MTOOLS_SKIP_CHECK", "1");
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A UDP port on 127.0.0.1 nothing uses now, for a QEMU {@code dgram} link. */
    static int freeUdpPort() {
        try (java.net.DatagramSocket socket = new java.net.DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
