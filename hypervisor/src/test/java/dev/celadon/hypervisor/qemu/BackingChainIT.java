package dev.celadon.hypervisor.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.celadon.hypervisor.BootConfig;
import dev.celadon.hypervisor.DiskConfig;
import dev.celadon.hypervisor.GuestProfile;
import dev.celadon.hypervisor.IntegrationServices;
import dev.celadon.hypervisor.InvalidVmConfigException;
import dev.celadon.hypervisor.PartitionName;
import dev.celadon.hypervisor.VmConfig;
import dev.celadon.hypervisor.VmState;
import dev.celadon.hypervisor.Worker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Base images whose qcow2 backing chain leaves the images dirs, against the real {@code start}:
 * refused before anything is created or spawned. Without the check QEMU would run and hold the
 * host file open; a chain that stays inside runs, and QEMU holds just those files.
 */
class BackingChainIT {

    private static final long MIB = 1024 * 1024;

    @RegisterExtension
    final WorkerLeakCheck leaks = new WorkerLeakCheck();

    private static Path images;
    private Path extraImages;
    private Path outside;

    @BeforeAll
    static void tinyGuestIsBuilt() {
        images = TinyGuest.images();
    }

    @BeforeEach
    void dirs() throws IOException {
        extraImages = Files.createDirectories(leaks.stateDir().resolve("images")).toRealPath();
        outside = Files.createDirectories(leaks.stateDir().resolve("outside")).toRealPath();
        Files.write(outside.resolve("secret.raw"), new byte[(int) MIB]);
    }

    private QemuSettings settings() {
        return QemuSettings.defaults(leaks.stateDir().resolve("state"), List.of(images, extraImages));
    }

    private static VmConfig withBase(String name, String baseImage) {
        return new VmConfig(new PartitionName(name), GuestProfile.ENLIGHTENED, 1, 256 * MIB, 256 * MIB,
                new BootConfig.Kernel("tiny/vmlinuz", Optional.of("tiny/initrd.img"), "console=ttyS0 cryptomgr.notests"),
                List.of(new DiskConfig("root", new DiskConfig.Overlay(baseImage, 0))), List.of(), List.of(),
                IntegrationServices.ALL, Duration.ofSeconds(5));
    }

    private void assertRefusedAndNothingSpawned(QemuHypervisor hypervisor, VmConfig config, String... problem) throws IOException {
        assertThatThrownBy(() -> hypervisor.start(config)).isInstanceOfSatisfying(InvalidVmConfigException.class, e -> {
            assertThat(e.field()).isEqualTo("disks[0].image");
            assertThat(e.problem()).contains(problem);
        });
        assertThat(WorkerLeakCheck.workersUnder(leaks.stateDir())).as("no QEMU was spawned").isEmpty();
        assertThat(hypervisor.observe()).isEmpty();
    }

    @Test
    void aBaseImageWhoseBackingFileIsAHostFileIsRefusedBeforeAnythingRuns() throws Exception {
        Path passwd = BackingChainTest.qcow2(extraImages.resolve("passwd.qcow2"), "/etc/passwd", "raw");
        Path secret = BackingChainTest.qcow2(extraImages.resolve("secret.qcow2"), outside.resolve("secret.raw").toString(), "raw");
        Files.createSymbolicLink(extraImages.resolve("link.raw"), outside.resolve("secret.raw"));
        Path link = BackingChainTest.qcow2(extraImages.resolve("link.qcow2"), "link.raw", "raw");
        Path layer = BackingChainTest.qcow2(extraImages.resolve("layer.qcow2"), "secret.qcow2", "qcow2");
        try (QemuHypervisor hypervisor = new QemuHypervisor(settings())) {
            assertRefusedAndNothingSpawned(hypervisor, withBase("passwd-1", "passwd.qcow2"),
                    passwd + " names backing file '/etc/passwd', which resolves to /etc/passwd, outside the images dirs");
            assertRefusedAndNothingSpawned(hypervisor, withBase("secret-1", "secret.qcow2"),
                    secret + " names backing file '" + outside.resolve("secret.raw") + "'", "outside the images dirs");
            assertRefusedAndNothingSpawned(hypervisor, withBase("link-1", "link.qcow2"),
                    link + " names backing file 'link.raw', which resolves to " + outside.resolve("secret.raw"));
            assertRefusedAndNothingSpawned(hypervisor, withBase("layer-1", "layer.qcow2"), secret + " names backing file");
        }
        assertThat(leaks.stateDir().resolve("state/disks")).as("no overlay was made").doesNotExist();
    }

    @Test
    void aKeptOverlayWhoseChainLeavesTheImagesDirsIsRefused() throws Exception {
        VmConfig config = withBase("kept-1", "tiny/base.qcow2");
        Path overlay = leaks.stateDir().resolve("state/disks/kept-1/root.qcow2");
        Files.createDirectories(overlay.getParent());
        BackingChainTest.qcow2(overlay, outside.resolve("secret.raw").toString(), "raw");
        try (QemuHypervisor hypervisor = new QemuHypervisor(settings())) {
            assertRefusedAndNothingSpawned(hypervisor, config, "the disk kept from an earlier start: " + overlay.toRealPath()
                    + " names backing file '" + outside.resolve("secret.raw") + "'");
        }
    }

    /** The control: a layered base inside the images dirs runs, and QEMU holds only files inside them (and its overlay). */
    @Test
    void aChainInsideTheImagesDirsRuns() throws Exception {
        Path layered = BackingChainTest.qcow2(extraImages.resolve("layered.qcow2"), images.resolve("tiny/base.qcow2").toString(), "qcow2");
        VmConfig config = withBase("layered-1", "layered.qcow2");
        try (QemuHypervisor hypervisor = new QemuHypervisor(settings())) {
            Worker worker = hypervisor.start(config);
            assertThat(worker.status().state()).isEqualTo(VmState.RUNNING);
            long pid = worker.status().pid().orElseThrow();
            List<Path> open = openFiles(pid);
            assertThat(open).contains(layered, images.resolve("tiny/base.qcow2").toRealPath(),
                    leaks.stateDir().resolve("state/disks/layered-1/root.qcow2").toRealPath());
            assertThat(open).noneMatch(f -> f.startsWith(outside));
            worker.stop(Duration.ofSeconds(1));
            assertThat(worker.status().state()).isEqualTo(VmState.STOPPED);
            hypervisor.delete(config.name(), true);
        }
    }

    private static List<Path> openFiles(long pid) throws IOException {
        List<Path> files = new ArrayList<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    Path target = Files.readSymbolicLink(fd);
                    if (target.isAbsolute()) {
                        files.add(target);
                    }
                } catch (IOException e) {
                    // Closed meanwhile.
                }
            }
        }
        return files;
    }
}
