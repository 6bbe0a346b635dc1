package dev.celadon.hypervisor.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.celadon.hypervisor.BootConfig;
import dev.celadon.hypervisor.DiskConfig;
import dev.celadon.hypervisor.GuestProfile;
import dev.celadon.hypervisor.Incident;
import dev.celadon.hypervisor.IntegrationServices;
import dev.celadon.hypervisor.NetworkConfig;
import dev.celadon.hypervisor.PartitionName;
import dev.celadon.hypervisor.VmConfig;
import dev.celadon.hypervisor.VmState;
import dev.celadon.hypervisor.WorkerLaunchException;
import dev.celadon.hypervisor.WorkerStatus;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Isolation {@code user} on real QEMU: each worker under its own uid without capabilities, its files its
 * own, what another worker cannot open, and adoption by a later hypervisor that checks the uid.
 */
class IsolationIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration LAUNCH = Duration.ofSeconds(120);
    /** The group of the test's own /dev/kvm, where the host has none: no account here has it but through the grant. */
    private static final int NODE_GROUP = 4242;

    @RegisterExtension
    final WorkerLeakCheck leaks = new WorkerLeakCheck();

    private static Path images;

    @BeforeAll
    static void tinyGuestIsBuilt() {
        images = TinyGuest.images();
    }

    private QemuSettings settings() throws IOException {
        // The test's temporary folder is rwx------: workers must pass through it to reach the state dir.
        Files.setPosixFilePermissions(leaks.stateDir(), PosixFilePermissions.fromString("rwx--x--x"));
        WorkerIsolation user = WorkerIsolation.NONE.withMode(WorkerIsolation.Mode.USER);
        return QemuSettings.defaults(leaks.stateDir().resolve("state"), List.of(images)).withIsolation(user);
    }

    private static VmConfig withDisk(String name) {
        VmConfig config = KernelOnlyConfig.of(new PartitionName(name));
        return config.withDisks(List.of(new DiskConfig("root", new DiskConfig.Blank(16 * KernelOnlyConfig.MIB))));
    }

    private static Map<String, String> status(long pid) throws IOException {
        try (Stream<String> lines = Files.lines(Path.of("/proc", Long.toString(pid), "status"))) {
            return lines.filter(l -> l.contains(":")).collect(Collectors.toMap(l -> l.substring(0, l.indexOf(':')),
                    l -> l.substring(l.indexOf(':') + 1).strip(), (a, b) -> a));
        }
    }

    @Test
    void eachWorkerRunsAsItsOwnUnprivilegedAccountAndReachesOnlyItsOwnFiles() throws Exception {
        QemuSettings settings = settings();
        // A's TPM: swtpm runs under A's identity too, and its state is A's.
        VmConfig a = withDisk("iso-a").withTpm(true);
        VmConfig b = withDisk("iso-b");
        long pidA;
        long pidB;
        WorkerRecord recordA;
        WorkerRecord recordB;
        try (QemuHypervisor hypervisor = new QemuHypervisor(settings)) {
            hypervisor.start(a);
            hypervisor.start(b);
            WorkerStatus statusA = hypervisor.worker(a.name()).orElseThrow().status();
            pidA = statusA.pid().orElseThrow();
            pidB = hypervisor.worker(b.name()).orElseThrow().status().pid().orElseThrow();
            recordA = hypervisor.store().read(a.name()).orElseThrow();
            recordB = hypervisor.store().read(b.name()).orElseThrow();
            assertThat(recordA.uid()).isBetween(64000, 64999).isNotEqualTo(recordB.uid());
            assertThat(recordA.gid()).isEqualTo(recordA.uid());
            assertThat(statusA.isolation()).startsWith("user " + recordA.uid() + ":" + recordA.uid() + "; ")
                    .endsWith("; private view");

            Map<String, String> proc = status(pidA);
            assertThat(proc.get("Uid")).isEqualTo(String.join("\t", List.of("" + recordA.uid(), "" + recordA.uid(),
                    "" + recordA.uid(), "" + recordA.uid())));
            assertThat(proc.get("Gid").split("\\s+")).containsOnly(Integer.toString(recordA.gid()));
            assertThat(proc.get("Groups")).isEmpty();
            assertThat(proc.get("CapEff")).isEqualTo("0000000000000000");
            assertThat(proc.get("CapPrm")).isEqualTo("0000000000000000");
            assertThat(proc.get("CapBnd")).isEqualTo("0000000000000000");
            assertThat(proc.get("NoNewPrivs")).isEqualTo("1");
            assertThat(proc.get("Seccomp")).isEqualTo("2");

            WorkerPaths pathsA = hypervisor.store().paths(a.name());
            WorkerPaths pathsB = hypervisor.store().paths(b.name());
            assertOwned(pathsA.disk("root"), recordA.uid(), "rw-------");
            assertOwned(pathsB.disk("root"), recordB.uid(), "rw-------");
            assertOwned(pathsA.pidFile(), recordA.uid(), "rw-------");
            assertOwned(Path.of(recordA.runDir()), recordA.uid(), "rwx------");
            assertOwned(Path.of(recordA.runDir()).resolve("qmp.sock"), recordA.uid(), null);
            long swtpm = Long.parseLong(Files.readString(Path.of(recordA.runDir()).resolve("swtpm.pid")).strip());
            Map<String, String> tpm = status(swtpm);
            assertThat(tpm.get("Uid")).isEqualTo(proc.get("Uid"));
            assertThat(tpm.get("CapEff")).isEqualTo("0000000000000000");
            assertThat(tpm.get("NoNewPrivs")).isEqualTo("1");
            assertOwned(pathsA.tpmState(), recordA.uid(), "rwx------");
            assertOwned(pathsA.workerDir(), 0, "rwx--x---");
            assertOwned(pathsA.record(), 0, null);
            // Its own view of the file system: the system's files, its own, nothing of B's, the host's /etc or the state dir.
            Path view = Path.of("/proc", Long.toString(pidA), "root");
            assertThat(view.resolve(pathsA.disk("root").toString().substring(1))).exists();
            assertThat(view.resolve(pathsA.tpmState().toString().substring(1))).isDirectory();
            assertThat(view.resolve(images.toAbsolutePath().toString().substring(1)).resolve("tiny/vmlinuz")).exists();
            assertThat(view.resolve(pathsB.disk("root").toString().substring(1))).doesNotExist();
            assertThat(view.resolve(pathsB.workerDir().toString().substring(1))).doesNotExist();
            assertThat(view.resolve("etc/shadow")).doesNotExist();
            assertThat(view.resolve("etc/passwd")).doesNotExist();
            assertThat(view.resolve(pathsA.stateDir().resolve("reconciler").toString().substring(1))).doesNotExist();
            assertThat(view.resolve("usr/bin/qemu-system-x86_64")).exists();
            assertThat(Files.readSymbolicLink(Path.of("/proc", Long.toString(swtpm), "ns", "mnt")))
                    .as("swtpm in a view of its own").isNotEqualTo(Files.readSymbolicLink(Path.of("/proc/self/ns/mnt")));
        }
        // The hypervisor is gone (as after a reconciler's kill -9 its connections are): the test is A's only QMP client.
        try (Qmp qmp = new Qmp(Path.of(recordA.runDir()).resolve("qmp.sock"))) {
            Path own = leaks.stateDir().resolve("state/disks/iso-a/root.qcow2");
            Path other = leaks.stateDir().resolve("state/disks/iso-b/root.qcow2");
            assertThat(qmp.blockdevAdd("own", own)).doesNotContain("\"error\"");
            // B's disk and the host's /etc are not in A's view at all; through /proc, into B's view or the host's,
            // the kernel refuses A as another uid.
            assertThat(qmp.blockdevAdd("other", other)).contains("\"error\"").contains("No such file or directory");
            assertThat(qmp.blockdevAdd("shadow", Path.of("/etc/shadow"))).contains("No such file or directory");
            assertThat(qmp.blockdevAdd("other-through-proc", Path.of("/proc/" + pidB + "/root" + other)))
                    .contains("\"error\"").contains("Permission denied");
            assertThat(qmp.blockdevAdd("shadow-through-proc", Path.of("/proc/1/root/etc/shadow")))
                    .contains("\"error\"").contains("Permission denied");
        }
        try (QemuHypervisor next = new QemuHypervisor(settings)) {
            next.supervise();
            assertThat(next.worker(a.name()).orElseThrow().status()).satisfies(s -> {
                assertThat(s.state()).isEqualTo(VmState.RUNNING);
                assertThat(s.pid()).hasValue(pidA);
            });
            assertThat(next.incidents()).isEmpty();
            next.worker(a.name()).orElseThrow().stop(Duration.ofSeconds(5));
            next.worker(b.name()).orElseThrow().stop(Duration.ofSeconds(5));
        }
    }

    @Test
    void aRecordWhoseUidIsNotTheProcessesIsNotAdopted() throws Exception {
        QemuSettings settings = settings();
        VmConfig a = KernelOnlyConfig.of(new PartitionName("iso-c"));
        long pid;
        try (QemuHypervisor hypervisor = new QemuHypervisor(settings)) {
            pid = hypervisor.start(a).status().pid().orElseThrow();
        }
        Path record = leaks.stateDir().resolve("state/workers/iso-c/worker.json");
        ObjectNode tree = (ObjectNode) JSON.readTree(record.toFile());
        tree.put("uid", tree.get("uid").asInt() + 1);
        JSON.writeValue(record.toFile(), tree);
        try (QemuHypervisor next = new QemuHypervisor(settings)) {
            assertThat(next.observe()).isEmpty();
            next.supervise();
            assertThat(next.incidents()).singleElement().satisfies(i -> {
                assertThat(i.reason()).isEqualTo(Incident.Reason.RECORD_QUARANTINED);
                assertThat(i.message()).contains("runs as uid").contains("not adopted");
            });
            // Not adopted: found by its marker and stopped as an orphan.
            await("orphan stopped").atMost(LAUNCH).until(() -> {
                next.supervise();
                return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) == Boolean.FALSE;
            });
        }
    }

    /**
     * KVM under isolation: QEMU opens /dev/kvm itself, through the node's group (Debian's is 0660 group kvm), which
     * the worker gets as its only supplementary group; without it QEMU stops at "Could not access KVM kernel module:
     * Permission denied". Where KVM runs standard guests the worker runs with that group. A kvm_pvm host lets QEMU
     * open /dev/kvm and then refuses {@code -cpu host}'s MSRs, so there the launch fails later. A host without KVM
     * gets the test's own node for the misc device 10:232, 0660 with a group that is not root's: with no driver
     * behind it, the kernel answers an open that passed the permission check with "No such device", so that
     * answer shows the worker got through the group. A host whose /dev/kvm only root may open (0600 root, as some
     * kvm_pvm machines have it) lends it to the test's group for the test, and gets its mode and group back after.
     */
    @Test
    void onKvmTheWorkerOpensTheKvmDeviceThroughItsGroup() throws Exception {
        Path kvm = Path.of("/dev/kvm");
        boolean ownNode = !Files.exists(kvm);
        Set<PosixFilePermission> rootsMode = null;
        if (ownNode) {
            makeNode(kvm, "c", "10", "232");
        } else if ((Integer) Files.getAttribute(kvm, "unix:gid") == 0) {
            rootsMode = Files.getPosixFilePermissions(kvm);
        }
        if (ownNode || rootsMode != null) {
            Files.setPosixFilePermissions(kvm, PosixFilePermissions.fromString("rw-rw----"));
            Files.setAttribute(kvm, "unix:gid", NODE_GROUP);
        }
        try {
            int group = (Integer) Files.getAttribute(kvm, "unix:gid");
            assertThat(group).as("/dev/kvm's group").isNotZero();
            launchOnKvm(group, ownNode);
        } finally {
            if (ownNode) {
                Files.delete(kvm);
            } else if (rootsMode != null) {
                Files.setAttribute(kvm, "unix:gid", 0);
                Files.setPosixFilePermissions(kvm, rootsMode);
            }
        }
    }

    private static void makeNode(Path node, String... type) throws IOException, InterruptedException {
        Process mknod = new ProcessBuilder(Stream.concat(Stream.of("mknod", node.toString()), Stream.of(type)).toList())
                .redirectErrorStream(true).start();
        String output = new String(mknod.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(mknod.waitFor()).as("mknod %s: %s", node, output).isZero();
    }

    private void launchOnKvm(int group, boolean withoutDriver) throws Exception {
        VmConfig config = KernelOnlyConfig.of(new PartitionName("iso-kvm"));
        try (QemuHypervisor hypervisor = new QemuHypervisor(settings().withAccel(AccelChoice.KVM))) {
            WorkerStatus status;
            try {
                status = hypervisor.start(config).status();
            } catch (WorkerLaunchException e) {
                // QEMU's own words end the message: past the permission check on /dev/kvm, whatever stopped it then.
                assertThat(e.getMessage()).contains("exited with code").doesNotContain("Permission denied");
                if (withoutDriver) {
                    assertThat(e.getMessage()).contains("Could not access KVM kernel module: No such device");
                } else {
                    assertThat(e.getMessage()).doesNotContain("Could not access KVM kernel module");
                }
                return;
            }
            assertThat(withoutDriver).as("a node without a driver does not run a guest").isFalse();
            assertThat(status(status.pid().orElseThrow()).get("Groups")).isEqualTo(Integer.toString(group));
            assertThat(status.isolation()).endsWith("; group " + group + " for /dev/kvm");
            hypervisor.worker(config.name()).orElseThrow().stop(Duration.ofSeconds(2));
        }
    }

    /**
     * A device node only root may open (the development machines' /dev/net/tun is 0600; here a /dev of the
     * test's own says so, whatever this host's is): a partition with a NIC on a bridge is refused before
     * anything is made for it, naming the node and what to do, and another partition still starts.
     */
    @Test
    void aDeviceOnlyRootOpensRefusesThatPartitionAndNothingIsMade() throws Exception {
        Path dev = leaks.stateDir().resolve("dev");
        Files.createDirectories(dev.resolve("net"));
        Files.createFile(dev.resolve("net/tun"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        HostPaths host = new HostPaths(Path.of("/proc"), Path.of("/sys"), dev);
        VmConfig bridged = new VmConfig(new PartitionName("iso-tap"), GuestProfile.ENLIGHTENED, 1, 128 * KernelOnlyConfig.MIB,
                128 * KernelOnlyConfig.MIB, new BootConfig.Kernel("tiny/vmlinuz", Optional.empty(), ""), List.of(),
                List.of(new NetworkConfig("lan", new NetworkConfig.Bridge("celadon0", OptionalInt.empty()))), List.of(),
                IntegrationServices.NONE, Duration.ofSeconds(2));
        try (QemuHypervisor hypervisor = new QemuHypervisor(settings(), host)) {
            assertThatThrownBy(() -> hypervisor.check(bridged)).isInstanceOf(WorkerLaunchException.class)
                    .hasMessageContaining(dev.resolve("net/tun") + " is mode 0600 group 0: an isolated worker");
            assertThatThrownBy(() -> hypervisor.start(bridged)).isInstanceOf(WorkerLaunchException.class)
                    .hasMessageContaining("celadon.hypervisor.isolation=none");
            assertThat(hypervisor.worker(bridged.name())).isEmpty();
            assertThat(hypervisor.store().read(bridged.name())).isEmpty();
            assertThat(Path.of("/sys/class/net", Taps.name(settings().stateDir(), bridged.name(), "lan"))).doesNotExist();

            VmConfig plain = KernelOnlyConfig.of(new PartitionName("iso-plain"));
            assertThat(hypervisor.start(plain).status().state()).isEqualTo(VmState.RUNNING);
            hypervisor.worker(plain.name()).orElseThrow().stop(Duration.ofSeconds(5));
        }
    }

    private static void assertOwned(Path path, int uid, String mode) throws IOException {
        assertThat(Files.getAttribute(path, "unix:uid")).as(path + " owner").isEqualTo(uid);
        if (mode != null) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(path))).as(path + " mode").isEqualTo(mode);
        }
    }

    /** A bare QMP client of the test's own: the hypervisor's knows only the commands Celadon sends. */
    private static final class Qmp implements AutoCloseable {
        private final SocketChannel channel;
        private final BufferedReader in;

        Qmp(Path socket) throws IOException {
            channel = SocketChannel.open(UnixDomainSocketAddress.of(socket));
            in = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
            in.readLine(); // greeting
            send("{\"execute\":\"qmp_capabilities\"}");
        }

        String blockdevAdd(String node, Path file) throws IOException {
            return send("{\"execute\":\"blockdev-add\",\"arguments\":{\"driver\":\"file\",\"node-name\":\"" + node
                    + "\",\"filename\":\"" + file + "\",\"read-only\":true,\"locking\":\"off\"}}");
        }

        /** The command's answer, events in between passed over. */
        private String send(String command) throws IOException {
            Channels.newOutputStream(channel).write((command + "\n").getBytes(StandardCharsets.UTF_8));
            while (true) {
                String line = in.readLine();
                if (line == null) {
                    throw new IOException("QMP closed");
                }
                if (line.contains("\"return\"") || line.contains("\"error\"")) {
                    return line;
                }
            }
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }
}
