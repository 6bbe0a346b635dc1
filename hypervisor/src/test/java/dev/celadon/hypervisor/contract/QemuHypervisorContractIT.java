package dev.celadon.hypervisor.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.celadon.hypervisor.BootConfig;
import dev.celadon.hypervisor.GuestProfile;
import dev.celadon.hypervisor.Hypervisor;
import dev.celadon.hypervisor.IntegrationServices;
import dev.celadon.hypervisor.PartitionName;
import dev.celadon.hypervisor.VmConfig;
import dev.celadon.hypervisor.qemu.AccelChoice;
import dev.celadon.hypervisor.qemu.QemuHypervisor;
import dev.celadon.hypervisor.qemu.QemuSettings;
import dev.celadon.hypervisor.qemu.TinyGuest;
import dev.celadon.hypervisor.qemu.WorkerLeakCheck;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The contract against real qemu-system-x86_64 (TCG where there is no KVM) and the tiny guest of
 * {@code make guest} ({@code -Dceladon-test.images=DIR}). Workers only launch: no case waits for the
 * guest to boot. Every test gets a fresh state dir, and any QEMU it leaves behind fails it.
 */
class QemuHypervisorContractIT extends HypervisorContract {

    @RegisterExtension
    final WorkerLeakCheck leaks = new WorkerLeakCheck();

    private static Path images;

    @BeforeAll
    static void tinyGuestIsBuilt() {
        images = TinyGuest.images();
    }

    /** Nothing passed through; an agent timeout short enough not to drag out stops of guests still booting. */
    private QemuSettings settings() {
        return new QemuSettings(leaks.stateDir().resolve("state"), List.of(images, notKernels()), List.of(), "qemu-system-x86_64",
                "qemu-img", AccelChoice.AUTO, Path.of("/usr/share/OVMF/OVMF_CODE_4M.fd"),
                Path.of("/usr/share/OVMF/OVMF_VARS_4M.fd"), Duration.ofSeconds(60), Duration.ofSeconds(10),
                Duration.ofSeconds(2), dev.celadon.hypervisor.qemu.WorkerIsolation.NONE);
    }

    @Override
    protected Hypervisor newHypervisor() {
        return new QemuHypervisor(settings());
    }

    @Override
    protected Hypervisor reopen(Hypervisor first) {
        return new QemuHypervisor(settings());
    }

    /** The tiny guest with its initrd: without one its kernel would panic, and a panic is a stop of its own. */
    @Override
    protected VmConfig bootable(PartitionName name) {
        return new VmConfig(name, GuestProfile.ENLIGHTENED, 1, 128 * MIB, 256 * MIB,
                new BootConfig.Kernel("tiny/vmlinuz", Optional.of("tiny/initrd.img"), "console=ttyS0 no_timer_check cryptomgr.notests"),
                List.of(), List.of(), List.of(), new IntegrationServices(true, false, true), Duration.ofSeconds(30));
    }

    @Override
    protected String bootMessage(PartitionName name) {
        return "Linux version";
    }

    @Override
    protected String absentImage() {
        return "tiny/no-such-file";
    }

    @Override
    protected void killWorkerProcess(Hypervisor hypervisor, PartitionName name) throws Exception {
        long pid = hypervisor.worker(name).orElseThrow().status().pid().orElseThrow();
        ProcessHandle process = ProcessHandle.of(pid).orElseThrow();
        process.destroyForcibly();
        process.onExit().get(30, TimeUnit.SECONDS);
    }

    /** A second images dir, holding a file too short to be a kernel. */
    private Path notKernels() {
        try {
            Path dir = java.nio.file.Files.createDirectories(leaks.stateDir().resolve("not-kernels"));
            java.nio.file.Files.writeString(dir.resolve("short"), "not a kernel\n");
            return dir;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * A file of the images dirs that is no kernel: every check before the launch passes, and QEMU itself
     * refuses it after launch ("invalid kernel header").
     */
    @Override
    protected VmConfig failingLaunch(Hypervisor hypervisor, VmConfig c) {
        return new VmConfig(c.name(), c.profile(), c.cpus(), c.memoryBytes(), c.maxMemoryBytes(),
                new dev.celadon.hypervisor.BootConfig.Kernel("short", java.util.Optional.empty(), ""), c.disks(),
                c.networks(), c.devices(), c.integration(), c.shutdownGracePeriod());
    }
}
