package dev.celadon.hypervisor.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.celadon.hypervisor.BootConfig;
import dev.celadon.hypervisor.ConsoleLog;
import dev.celadon.hypervisor.DiskConfig;
import dev.celadon.hypervisor.Firmware;
import dev.celadon.hypervisor.GuestInfo;
import dev.celadon.hypervisor.GuestProfile;
import dev.celadon.hypervisor.Hypervisor;
import dev.celadon.hypervisor.HostFileMissingException;
import dev.celadon.hypervisor.HypervisorException;
import dev.celadon.hypervisor.InvalidVmConfigException;
import dev.celadon.hypervisor.NetworkConfig;
import dev.celadon.hypervisor.PartitionName;
import dev.celadon.hypervisor.PciAddress;
import dev.celadon.hypervisor.Retry;
import dev.celadon.hypervisor.StopInfo;
import dev.celadon.hypervisor.StopReason;
import dev.celadon.hypervisor.VmConfig;
import dev.celadon.hypervisor.VmState;
import dev.celadon.hypervisor.Worker;
import dev.celadon.hypervisor.WorkerBusyException;
import dev.celadon.hypervisor.WorkerLaunchException;
import dev.celadon.hypervisor.WorkerStatus;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * What every {@link Hypervisor} does, run against each implementation: the same calls give the same
 * states, and the same failures the same exception subtype with the same {@link Retry}. The in-memory
 * fake the reconciler's tests use must never be kinder than QEMU; where they differ, the fake is wrong.
 *
 * <p>Cases boot as little as they can: a worker only has to launch, not to finish booting its guest.
 * Each test starts with a hypervisor over a fresh, empty state; whatever it leaves alive is stopped
 * afterwards (the QEMU suite also fails on leftover processes).
 */
public abstract class HypervisorContract {

    protected static final long MIB = 1024 * 1024;
    /** Grace for stops: the guest need not power off; QEMU quits it afterwards. */
    protected static final Duration GRACE = Duration.ofSeconds(1);
    private static final long SCRATCH = 64 * MIB;

    private final List<Hypervisor> opened = new ArrayList<>();
    /** The hypervisor of the test, over a fresh state. */
    protected Hypervisor hypervisor;

    /** A hypervisor over a fresh, empty state: no records, no workers, no incidents. */
    protected abstract Hypervisor newHypervisor() throws Exception;

    /**
     * Another hypervisor over the same state (workers, records, disks) as {@code first}, which the test
     * has closed: what a restarted reconciler gets.
     */
    protected abstract Hypervisor reopen(Hypervisor first) throws Exception;

    /**
     * A config this host runs: boots a kernel (with its initrd) from the images dirs, on the enlightened
     * profile with an agent channel that offers a heartbeat, memory below maxMemory. Its disks and networks
     * do not matter: the cases set the disks they need.
     */
    protected abstract VmConfig bootable(PartitionName name);

    /** Text the guest of {@link #bootable} prints on its serial console soon after its worker starts. */
    protected abstract String bootMessage(PartitionName name);

    /** A path relative to the images dirs that names no file there. */
    protected abstract String absentImage();

    /** The worker's process dies of SIGKILL sent by someone else; returns once it is gone. */
    protected abstract void killWorkerProcess(Hypervisor hypervisor, PartitionName name) throws Exception;

    /**
     * A config that passes every check of the host (and whose disks are those of {@code config}) but whose
     * worker exits before it is ready, for a start on {@code hypervisor}: e.g. a CPU count QEMU refuses.
     */
    protected abstract VmConfig failingLaunch(Hypervisor hypervisor, VmConfig config);

    @BeforeEach
    final void openHypervisor() throws Exception {
        hypervisor = open(newHypervisor());
    }

    /** Stops what the test left alive, through the latest hypervisor, then closes them all. */
    @AfterEach
    final void stopWorkersAndClose() throws Exception {
        if (opened.isEmpty()) {
            return;
        }
        Hypervisor last = opened.getLast();
        try {
            for (WorkerStatus status : last.observe()) {
                if (status.state().isAlive()) {
                    last.worker(status.name()).orElseThrow().stop(Duration.ZERO);
                }
            }
        } finally {
            opened.reversed().forEach(Hypervisor::close);
            opened.clear();
        }
    }

    private Hypervisor open(Hypervisor h) {
        opened.add(h);
        return h;
    }

    // ---- configs -----------------------------------------------------------------------------------

    private static PartitionName name(String value) {
        return new PartitionName(value);
    }

    /** {@link #bootable} with one blank image disk, {@code scratch}, of 64 MiB. */
    private VmConfig runnable(String name) {
        return bootable(name(name)).withDisks(List.of(scratch(SCRATCH)));
    }

    private static DiskConfig scratch(long bytes) {
        return new DiskConfig("scratch", new DiskConfig.Blank(bytes));
    }

    private static VmConfig withBoot(VmConfig c, BootConfig boot) {
        return new VmConfig(c.name(), c.profile(), c.cpus(), c.memoryBytes(), c.maxMemoryBytes(), boot, c.disks(),
                c.networks(), c.devices(), c.integration(), c.shutdownGracePeriod());
    }

    private static BootConfig.Kernel kernelBoot(VmConfig c) {
        if (!(c.boot() instanceof BootConfig.Kernel kernel) || kernel.initrd().isEmpty()) {
            throw new AssertionError("bootable() must boot a kernel with an initrd: " + c.boot());
        }
        return kernel;
    }

    private static VmConfig withKernel(VmConfig c, String kernel) {
        BootConfig.Kernel boot = kernelBoot(c);
        return withBoot(c, new BootConfig.Kernel(kernel, boot.initrd(), boot.cmdline()));
    }

    private static VmConfig withInitrd(VmConfig c, String initrd) {
        BootConfig.Kernel boot = kernelBoot(c);
        return withBoot(c, new BootConfig.Kernel(boot.kernel(), Optional.of(initrd), boot.cmdline()));
    }

    private static VmConfig withNetworks(VmConfig c, NetworkConfig... networks) {
        return new VmConfig(c.name(), c.profile(), c.cpus(), c.memoryBytes(), c.maxMemoryBytes(), c.boot(), c.disks(),
                List.of(networks), c.devices(), c.integration(), c.shutdownGracePeriod());
    }

    private static VmConfig withDevices(VmConfig c, PciAddress... devices) {
        return new VmConfig(c.name(), c.profile(), c.cpus(), c.memoryBytes(), c.maxMemoryBytes(), c.boot(), c.disks(),
                c.networks(), List.of(devices), c.integration(), c.shutdownGracePeriod());
    }

    private static VmConfig legacy(VmConfig c) {
        return new VmConfig(c.name(), GuestProfile.LEGACY, c.cpus(), c.memoryBytes(), c.maxMemoryBytes(), c.boot(),
                c.disks(), c.networks(), c.devices(), c.integration(), c.shutdownGracePeriod());
    }

    // ---- assertions --------------------------------------------------------------------------------

    private static <T extends HypervisorException> T fails(Class<T> type, Retry retry, PartitionName partition, Executable call) {
        Throwable thrown = null;
        try {
            call.execute();
        } catch (Throwable t) {
            thrown = t;
        }
        if (!type.isInstance(thrown)) {
            throw new AssertionError("expected " + type.getSimpleName() + " (" + retry + "), got "
                    + (thrown == null ? "no exception" : thrown), thrown);
        }
        T e = type.cast(thrown);
        assertThat(e.retry()).isEqualTo(retry);
        assertThat(e.partition()).isEqualTo(partition);
        return e;
    }

    private static InvalidVmConfigException invalid(PartitionName partition, String field, Executable call) {
        InvalidVmConfigException e = fails(InvalidVmConfigException.class, Retry.STALL, partition, call);
        assertThat(e.field()).isEqualTo(field);
        return e;
    }

    private static WorkerBusyException busy(PartitionName partition, VmState state, Executable call) {
        WorkerBusyException e = fails(WorkerBusyException.class, Retry.REQUEUE, partition, call);
        assertThat(e.state()).isEqualTo(state);
        return e;
    }

    /** A start the host refuses: typed, and no trace of the partition afterwards. */
    private void refusedAtStart(VmConfig config, String field) {
        invalid(config.name(), field, () -> hypervisor.check(config));
        invalid(config.name(), field, () -> hypervisor.start(config));
        assertThat(hypervisor.observe()).isEmpty();
        assertThat(hypervisor.worker(config.name())).isEmpty();
    }

    /** A start of a config whose file is not on the host yet: retried, not a spec error; no trace either. */
    private void waitsForAFile(VmConfig config, String field) {
        for (Executable call : List.<Executable>of(() -> hypervisor.check(config), () -> hypervisor.start(config))) {
            HostFileMissingException e = fails(HostFileMissingException.class, Retry.BACKOFF, config.name(), call);
            assertThat(e.field()).isEqualTo(field);
            assertThat(e.reason()).isEqualTo("HostFileMissing");
        }
        assertThat(hypervisor.observe()).isEmpty();
        assertThat(hypervisor.worker(config.name())).isEmpty();
    }

    private static void assertRunning(WorkerStatus status, VmConfig config) {
        assertThat(status.name()).isEqualTo(config.name());
        assertThat(status.state()).isEqualTo(VmState.RUNNING);
        assertThat(status.pid()).isPresent();
        assertThat(status.pid().getAsLong()).isPositive();
        assertThat(status.lastStop()).isEmpty();
    }

    private static void assertStopped(WorkerStatus status, VmState state, StopReason reason) {
        assertThat(status.state()).isEqualTo(state);
        assertThat(status.pid()).isEmpty();
        assertThat(status.live()).as("a machine that is gone has no resources").isEmpty();
        assertThat(status.lastStop()).map(StopInfo::reason).hasValue(reason);
    }

    // ---- a fresh hypervisor ------------------------------------------------------------------------

    @Test
    void aFreshHypervisorObservesNothing() {
        assertThat(hypervisor.observe()).isEmpty();
    }

    @Test
    void aFreshHypervisorHasNoIncidents() {
        assertThat(hypervisor.incidents()).isEmpty();
        hypervisor.supervise();
        assertThat(hypervisor.incidents()).isEmpty();
    }

    @Test
    void anUnknownPartitionHasNoWorker() {
        assertThat(hypervisor.worker(name("nobody"))).isEmpty();
    }

    // ---- start -------------------------------------------------------------------------------------

    @Test
    void startRunsTheWorkerWithAPid() throws Exception {
        VmConfig config = runnable("run-1");
        Worker worker = hypervisor.start(config);
        assertThat(worker.name()).isEqualTo(config.name());
        WorkerStatus status = worker.status();
        assertRunning(status, config);
        assertThat(status.config()).isEqualTo(config);
        assertThat(status.accel()).isEqualTo(hypervisor.accel());
        // As the machine has them: booted with maxMemory, the balloon somewhere up to it (the guest gives memory back in its time).
        assertThat(status.live()).hasValueSatisfying(live -> {
            assertThat(live.cpus()).isEqualTo(config.cpus());
            assertThat(live.memoryBytes()).isEqualTo(config.maxMemoryBytes());
            assertThat(live.balloonBytes()).isPresent();
            assertThat(live.balloonBytes().getAsLong()).isPositive().isLessThanOrEqualTo(config.maxMemoryBytes());
        });
        assertThat(hypervisor.worker(config.name())).hasValueSatisfying(w -> assertThat(w.status().pid()).isEqualTo(status.pid()));
        assertThat(hypervisor.observe()).singleElement().satisfies(s -> {
            assertRunning(s, config);
            assertThat(s.pid()).isEqualTo(status.pid());
        });
    }

    @Test
    void observeListsWorkersSortedByName() throws Exception {
        VmConfig b = runnable("sort-b");
        VmConfig a = runnable("sort-a");
        hypervisor.start(b);
        hypervisor.start(a);
        List<WorkerStatus> observed = hypervisor.observe();
        assertThat(observed).extracting(s -> s.name().value()).containsExactly("sort-a", "sort-b");
        assertThat(observed).allSatisfy(s -> assertThat(s.state()).isEqualTo(VmState.RUNNING));
        assertThat(observed.get(0).pid()).isNotEqualTo(observed.get(1).pid());
    }

    @Test
    void aSecondStartWhileAliveIsBusy() throws Exception {
        VmConfig config = runnable("busy-1");
        long pid = hypervisor.start(config).status().pid().orElseThrow();
        busy(config.name(), VmState.RUNNING, () -> hypervisor.start(config));
        assertThat(hypervisor.observe()).singleElement().satisfies(s -> {
            assertRunning(s, config);
            assertThat(s.pid()).hasValue(pid);
        });
    }

    // ---- configs the host cannot satisfy -------------------------------------------------------------

    @Test
    void aKernelMissingInTheImagesDirsIsWaitedFor() {
        waitsForAFile(withKernel(runnable("bad-1"), absentImage()), "boot.kernel");
    }

    @Test
    void anInitrdMissingInTheImagesDirsIsWaitedFor() {
        waitsForAFile(withInitrd(runnable("bad-1"), absentImage()), "boot.initrd");
    }

    @Test
    void aBootPathEscapingTheImagesDirsIsInvalid() {
        VmConfig config = runnable("bad-1");
        String kernel = kernelBoot(config).kernel();
        refusedAtStart(withKernel(config, "../" + kernel), "boot.kernel");
        refusedAtStart(withKernel(config, "tiny/../../" + kernel), "boot.kernel");
        refusedAtStart(withKernel(config, "/" + kernel), "boot.kernel");
        refusedAtStart(withKernel(config, ""), "boot.kernel");
    }

    @Test
    void aBaseImageMissingInTheImagesDirsIsWaitedFor() {
        waitsForAFile(runnable("bad-1").withDisks(List.of(new DiskConfig("root", new DiskConfig.Overlay(absentImage(), 0)))),
                "disks[0].image");
    }

    @Test
    void badDisksAreInvalid() {
        VmConfig config = runnable("bad-1");
        refusedAtStart(config.withDisks(List.of(scratch(SCRATCH), scratch(SCRATCH))), "disks[1].name");
        refusedAtStart(config.withDisks(List.of(new DiskConfig("Scratch", new DiskConfig.Blank(SCRATCH)))), "disks[0].name");
        refusedAtStart(config.withDisks(List.of(scratch(0))), "disks[0].size");
    }

    @Test
    void firmwareBootWithoutADiskIsInvalid() {
        refusedAtStart(withBoot(runnable("bad-1").withDisks(List.of()), new BootConfig.FromDisk(Firmware.BIOS)), "boot.firmware");
    }

    @Test
    void devicesNotAllowedOnThisHostAreInvalid() {
        VmConfig config = runnable("bad-1");
        refusedAtStart(config.withDisks(List.of(new DiskConfig("data", new DiskConfig.Passthrough("/dev/celadon-absent")))),
                "disks[0].passthrough");
        refusedAtStart(config.withDisks(List.of(new DiskConfig("data", new DiskConfig.Passthrough("dev/sda")))),
                "disks[0].passthrough");
        refusedAtStart(withDevices(config, new PciAddress("0000:ff:1f.7")), "devices[0].pci");
    }

    @Test
    void badNetworksAreInvalid() {
        VmConfig config = runnable("bad-1");
        NetworkConfig.User user = new NetworkConfig.User(List.of());
        refusedAtStart(withNetworks(config, new NetworkConfig("lan", user), new NetworkConfig("lan", user)), "networks[1].name");
        refusedAtStart(withNetworks(config, new NetworkConfig("lan", new NetworkConfig.Bridge("not a bridge"))), "networks[0].bridge");
        refusedAtStart(withNetworks(config, new NetworkConfig("lan", new NetworkConfig.User(
                List.of(new NetworkConfig.PortForward(0, 22))))), "networks[0].user.forwards[0]");
    }

    @Test
    void aFailedLaunchLeavesNoRecordNotEvenOfTheRunBefore() throws Exception {
        VmConfig config = runnable("launch-1");
        hypervisor.start(config).stop(GRACE);
        VmConfig failing = failingLaunch(hypervisor, config);
        fails(WorkerLaunchException.class, Retry.BACKOFF, config.name(), () -> hypervisor.start(failing));
        assertThat(hypervisor.observe()).isEmpty();
        assertThat(hypervisor.worker(config.name())).isEmpty();
    }

    // ---- live changes ------------------------------------------------------------------------------

    @Test
    void memoryChangesLiveWithinMaxMemoryOnly() throws Exception {
        VmConfig config = runnable("mem-1");
        assertThat(config.memoryBytes()).as("bootable() has balloon headroom").isLessThan(config.maxMemoryBytes());
        Worker worker = hypervisor.start(config);
        long pid = worker.status().pid().orElseThrow();
        for (long bytes : new long[] {config.maxMemoryBytes() + 1, 0, -1}) {
            invalid(config.name(), "memory", () -> worker.setMemory(bytes));
        }
        assertThat(worker.status().config().memoryBytes()).isEqualTo(config.memoryBytes());

        long target = config.maxMemoryBytes();
        worker.setMemory(target);
        WorkerStatus status = worker.status();
        assertThat(status.config().memoryBytes()).isEqualTo(target);
        assertThat(status.config().maxMemoryBytes()).isEqualTo(config.maxMemoryBytes());
        assertThat(status.pid()).hasValue(pid);
        assertThat(hypervisor.observe()).singleElement().satisfies(s -> assertThat(s.config().memoryBytes()).isEqualTo(target));
    }

    @Test
    void theLegacyProfileHasNoBalloonAndNoAgent() throws Exception {
        VmConfig config = legacy(runnable("legacy-1"));
        Worker worker = hypervisor.start(config);
        invalid(config.name(), "memory", () -> worker.setMemory(config.memoryBytes()));
        assertThat(worker.status().state()).isEqualTo(VmState.RUNNING);
        assertThat(worker.status().live()).hasValueSatisfying(live -> {
            assertThat(live.memoryBytes()).isEqualTo(config.memoryBytes());
            assertThat(live.balloonBytes()).isEmpty();
        });
        assertThat(worker.probeGuest()).as("no agent channel: nothing to ask").isEqualTo(GuestInfo.UNKNOWN);
    }

    @Test
    void disksGrowLiveButNeverShrinkNorChange() throws Exception {
        VmConfig config = runnable("grow-1");
        Worker worker = hypervisor.start(config);

        List<DiskConfig> grown = List.of(scratch(2 * SCRATCH));
        worker.growDisks(grown);
        assertThat(worker.status().config().disks()).isEqualTo(grown);

        invalid(config.name(), "disks.scratch.size", () -> worker.growDisks(List.of(scratch(SCRATCH))));
        invalid(config.name(), "disks.extra", () -> worker.growDisks(List.of(scratch(2 * SCRATCH),
                new DiskConfig("extra", new DiskConfig.Blank(SCRATCH)))));
        invalid(config.name(), "disks.scratch", () -> worker.growDisks(List.of(
                new DiskConfig("scratch", new DiskConfig.Overlay(kernelBoot(config).kernel(), 2 * SCRATCH)))));
        WorkerStatus status = worker.status();
        assertThat(status.config().disks()).isEqualTo(grown);
        assertThat(status.state()).isEqualTo(VmState.RUNNING);
    }

    // ---- stop and delete ---------------------------------------------------------------------------

    @Test
    void stopIsRequestedAndQuietTheSecondTime() throws Exception {
        VmConfig config = runnable("stop-1");
        Worker worker = hypervisor.start(config);
        worker.stop(GRACE);
        assertStopped(worker.status(), VmState.STOPPED, StopReason.REQUESTED);
        assertThat(worker.status().config()).isEqualTo(config);
        assertThat(hypervisor.observe()).singleElement().satisfies(s -> assertStopped(s, VmState.STOPPED, StopReason.REQUESTED));

        worker.stop(GRACE);
        assertStopped(worker.status(), VmState.STOPPED, StopReason.REQUESTED);
        assertThat(hypervisor.worker(config.name())).hasValueSatisfying(
                w -> assertStopped(w.status(), VmState.STOPPED, StopReason.REQUESTED));
    }

    @Test
    void aStoppedWorkerRefusesLiveOperations() throws Exception {
        VmConfig config = runnable("stop-2");
        Worker worker = hypervisor.start(config);
        worker.stop(GRACE);
        busy(config.name(), VmState.STOPPED, () -> worker.setMemory(config.maxMemoryBytes()));
        // The request is checked before the worker: a wrong one stalls whatever the worker's state.
        invalid(config.name(), "memory", () -> worker.setMemory(config.maxMemoryBytes() + 1));
        busy(config.name(), VmState.STOPPED, () -> worker.growDisks(List.of(scratch(2 * SCRATCH))));
        busy(config.name(), VmState.STOPPED, worker::probeGuest);
        WorkerStatus status = worker.status();
        assertStopped(status, VmState.STOPPED, StopReason.REQUESTED);
        assertThat(status.config()).isEqualTo(config);
    }

    @Test
    void deleteWaitsForTheStopThenForgetsThePartition() throws Exception {
        VmConfig config = runnable("delete-1");
        Worker worker = hypervisor.start(config);
        busy(config.name(), VmState.RUNNING, () -> hypervisor.delete(config.name(), true));
        assertThat(worker.status().state()).isEqualTo(VmState.RUNNING);

        worker.stop(GRACE);
        hypervisor.delete(config.name(), true);
        assertThat(hypervisor.observe()).isEmpty();
        assertThat(hypervisor.worker(config.name())).isEmpty();
    }

    @Test
    void deleteOfAnUnknownPartitionIsQuiet() throws Exception {
        hypervisor.delete(name("nobody"), false);
        hypervisor.delete(name("nobody"), true);
        assertThat(hypervisor.observe()).isEmpty();
        assertThat(hypervisor.worker(name("nobody"))).isEmpty();
    }

    @Test
    void disksOutliveTheWorkerAndAreNeverShrunkUntilDeleted() throws Exception {
        VmConfig config = runnable("disk-1");
        VmConfig smaller = config.withDisks(List.of(scratch(SCRATCH / 2)));
        hypervisor.start(config).stop(GRACE);

        // Refused before anything changes: the stopped partition's record stays as it was.
        invalid(config.name(), "disks.scratch.size", () -> hypervisor.start(smaller));
        assertThat(hypervisor.observe()).singleElement().satisfies(s -> assertStopped(s, VmState.STOPPED, StopReason.REQUESTED));

        // Deleted without its disks, the partition's disks are still there to refuse the shrink.
        hypervisor.delete(config.name(), false);
        refusedAtStart(smaller, "disks.scratch.size");

        hypervisor.delete(config.name(), true);
        Worker worker = hypervisor.start(smaller);
        assertRunning(worker.status(), smaller);
        assertThat(worker.status().config()).isEqualTo(smaller);
    }

    // ---- console -----------------------------------------------------------------------------------

    @Test
    void theConsoleKeepsTheGuestsOutputAfterTheStopUntilTheDelete() throws Exception {
        VmConfig config = runnable("console-1");
        PartitionName name = config.name();
        assertThat(hypervisor.consoleTail(name, ConsoleLog.KEPT_BYTES)).as("never started").isEmpty();
        Worker worker = hypervisor.start(config);
        await("boot message on the console").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> text(hypervisor.consoleTail(name, ConsoleLog.KEPT_BYTES)).contains(bootMessage(name)));

        worker.stop(GRACE);
        byte[] last = hypervisor.consoleTail(name, ConsoleLog.KEPT_BYTES);
        assertThat(text(last)).as("a stopped guest's last output").contains(bootMessage(name));
        byte[] end = hypervisor.consoleTail(name, 8);
        assertThat(end.length).isBetween(5, 8);
        assertThat(Arrays.copyOfRange(last, last.length - end.length, last.length)).isEqualTo(end);

        hypervisor.delete(name, true);
        assertThat(hypervisor.consoleTail(name, ConsoleLog.KEPT_BYTES)).isEmpty();
    }

    @Test
    void aConsoleTailIsOneByteUpToWhatIsKept() throws Exception {
        for (int bad : new int[] {0, -1, ConsoleLog.KEPT_BYTES + 1}) {
            assertThatThrownBy(() -> hypervisor.consoleTail(name("nobody"), bad)).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(hypervisor.consoleTail(name("nobody"), 1)).isEmpty();
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    // ---- supervision -------------------------------------------------------------------------------

    @Test
    void closeNeverStopsAWorker() throws Exception {
        VmConfig config = runnable("close-1");
        long pid = hypervisor.start(config).status().pid().orElseThrow();
        hypervisor.close();

        Hypervisor second = open(reopen(hypervisor));
        assertThat(second.observe()).singleElement().satisfies(s -> {
            assertRunning(s, config);
            assertThat(s.pid()).hasValue(pid);
            assertThat(s.config()).isEqualTo(config);
        });
        Worker adopted = second.worker(config.name()).orElseThrow();
        busy(config.name(), VmState.RUNNING, () -> second.start(config));
        adopted.stop(GRACE);
        assertStopped(adopted.status(), VmState.STOPPED, StopReason.REQUESTED);
    }

    @Test
    void aWorkerKilledFromOutsideIsACrash() throws Exception {
        VmConfig config = runnable("crash-1");
        Worker worker = hypervisor.start(config);
        killWorkerProcess(hypervisor, config.name());

        hypervisor.supervise();
        assertThat(hypervisor.observe()).singleElement().satisfies(s -> assertStopped(s, VmState.CRASHED, StopReason.WORKER_KILLED));
        assertStopped(worker.status(), VmState.CRASHED, StopReason.WORKER_KILLED);
        assertThat(hypervisor.incidents()).isEmpty();

        worker.stop(GRACE);
        assertStopped(worker.status(), VmState.CRASHED, StopReason.WORKER_KILLED);
        // A crashed partition starts again.
        Worker again = hypervisor.start(config);
        assertRunning(again.status(), config);
        assertThat(hypervisor.observe()).singleElement().satisfies(s -> assertRunning(s, config));
    }
}
