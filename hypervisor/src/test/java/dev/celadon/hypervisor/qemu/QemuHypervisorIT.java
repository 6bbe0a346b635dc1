package dev.celadon.hypervisor.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.celadon.hypervisor.Accel;
import dev.celadon.hypervisor.BootConfig;
import dev.celadon.hypervisor.DiskConfig;
import dev.celadon.hypervisor.Firmware;
import dev.celadon.hypervisor.GuestAgentException;
import dev.celadon.hypervisor.GuestInfo;
import dev.celadon.hypervisor.GuestProfile;
import dev.celadon.hypervisor.IntegrationServices;
import dev.celadon.hypervisor.InvalidVmConfigException;
import dev.celadon.hypervisor.NetworkConfig;
import dev.celadon.hypervisor.PartitionName;
import dev.celadon.hypervisor.PciAddress;
import dev.celadon.hypervisor.StopInfo;
import dev.celadon.hypervisor.StopReason;
import dev.celadon.hypervisor.VmConfig;
import dev.celadon.hypervisor.VmState;
import dev.celadon.hypervisor.Worker;
import dev.celadon.hypervisor.WorkerLaunchException;
import dev.celadon.hypervisor.WorkerStatus;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The QEMU hypervisor against real qemu-system-x86_64 under TCG and the tiny guest of
 * {@code make guest}. Boots are few and shared: TCG on a busy machine is slow, so timeouts are
 * generous and nothing asserts on speed.
 */
class QemuHypervisorIT {

    private static final Logger LOG = Logger.getLogger(QemuHypervisorIT.class);
    private static final long MIB = 1024 * 1024;
    private static final Duration BOOT = Duration.ofSeconds(180);
    private static final Duration GRACE = Duration.ofSeconds(60);

    @RegisterExtension
    final WorkerLeakCheck leaks = new WorkerLeakCheck();

    private static Path images;

    @BeforeAll
    static void tinyGuestIsBuilt() {
        images = TinyGuest.images();
    }

    private QemuSettings settings() {
        return QemuSettings.defaults(leaks.stateDir().resolve("state"), List.of(images));
    }

    private static VmConfig tiny(String name, GuestProfile profile, long memory, long maxMemory) throws IOException {
        int hostPort;
        try (ServerSocket free = new ServerSocket(0)) {
            hostPort = free.getLocalPort();
        }
        return new VmConfig(new PartitionName(name), profile, 1, memory, maxMemory,
                new BootConfig.Kernel("tiny/vmlinuz", Optional.of("tiny/initrd.img"), "console=ttyS0 no_timer_check cryptomgr.notests celadon.hostname=" + name),
                List.of(new DiskConfig("root", new DiskConfig.Overlay("tiny/base.qcow2", 0)),
                        new DiskConfig("scratch", new DiskConfig.Blank(64 * MIB))),
                List.of(new NetworkConfig("mgmt", new NetworkConfig.User(List.of(new NetworkConfig.PortForward(hostPort, 22))))),
                List.of(), IntegrationServices.ALL, GRACE);
    }

    private static void awaitConsole(QemuHypervisor hypervisor, PartitionName name, String line) {
        Path console = hypervisor.consoleLog(name);
        await("console of " + name + " shows '" + line + "'").atMost(BOOT).pollInterval(Duration.ofMillis(500))
                .until(() -> Files.exists(console) && Files.readString(console).contains(line));
    }

    private static GuestInfo awaitHeartbeat(Worker worker) {
        AtomicReference<GuestInfo> info = new AtomicReference<>();
        await("agent heartbeat of " + worker.name()).atMost(BOOT).pollInterval(Duration.ofSeconds(1)).until(() -> {
            try {
                info.set(worker.probeGuest());
                return true;
            } catch (GuestAgentException e) {
                return false;
            }
        });
        return info.get();
    }

    @Test
    void enlightenedGuestRunsIsProbedBalloonedAdoptedAndStoppedGracefully() throws Exception {
        VmConfig config = tiny("tiny-1", GuestProfile.ENLIGHTENED, 384 * MIB, 512 * MIB);
        long pid;
        try (QemuHypervisor first = new QemuHypervisor(settings())) {
            assertThat(first.accel()).as("kvm_pvm machines must run TCG").isEqualTo(Accel.TCG);
            Instant launched = Instant.now();
            Worker worker = first.start(config);
            Instant running = Instant.now();
            WorkerStatus status = worker.status();
            assertThat(status.state()).isEqualTo(VmState.RUNNING);
            assertThat(status.pid()).isPresent();
            pid = status.pid().getAsLong();
            assertThat(status.config()).isEqualTo(config);

            awaitConsole(first, config.name(), "celadon-tiny: ready");
            // The same output through the SPI: the guest's boot messages, from the kernel's first line on.
            assertThat(new String(first.consoleTail(config.name(), 64 * 1024), StandardCharsets.UTF_8))
                    .contains("Linux version", "celadon-tiny: ready");
            assertThat(status.live()).hasValueSatisfying(live -> {
                assertThat(live.cpus()).isEqualTo(1);
                assertThat(live.memoryBytes()).as("booted with maxMemory").isEqualTo(512 * MIB);
            });
            GuestInfo guest = awaitHeartbeat(worker);
            LOG.infof("timings: launch to running %d ms, launch to first heartbeat %d ms",
                    Duration.between(launched, running).toMillis(), Duration.between(launched, Instant.now()).toMillis());
            assertThat(guest.heartbeatAt()).isPresent();
            assertThat(guest.os()).hasValueSatisfying(os -> assertThat(os).contains("Celadon tiny guest"));
            assertThat(guest.hostname()).hasValue("tiny-1");

            // Live memory change through the balloon: same process, smaller guest.
            worker.setMemory(256 * MIB);
            // Status shows the balloon's actual size as the guest's driver gives the memory back.
            await("balloon reaches 256 MiB").atMost(BOOT).pollInterval(Duration.ofSeconds(1))
                    .until(() -> Math.abs(worker.status().live().orElseThrow().balloonBytes().getAsLong() - 256 * MIB) < 8 * MIB);
            assertThat(worker.status().live().orElseThrow().memoryBytes()).as("the machine keeps its RAM").isEqualTo(512 * MIB);
            assertThat(worker.status().config().memoryBytes()).isEqualTo(256 * MIB);
            assertThat(worker.status().pid()).hasValue(pid);
            assertThatThrownBy(() -> worker.setMemory(1024 * MIB)).isInstanceOf(InvalidVmConfigException.class)
                    .hasMessageContaining("maxMemory");
        }
        // A new instance (as after a reconciler restart) adopts the survivor without restarting it.
        try (QemuHypervisor second = new QemuHypervisor(settings())) {
            List<WorkerStatus> observed = second.observe();
            assertThat(observed).singleElement().satisfies(s -> {
                assertThat(s.name().value()).isEqualTo("tiny-1");
                assertThat(s.state()).isEqualTo(VmState.RUNNING);
                assertThat(s.pid()).hasValue(pid);
                assertThat(s.config().memoryBytes()).isEqualTo(256 * MIB);
            });
            Worker adopted = second.worker(config.name()).orElseThrow();
            assertThat(adopted.probeGuest().hostname()).hasValue("tiny-1");
            assertThatThrownBy(() -> second.start(config)).isInstanceOf(dev.celadon.hypervisor.WorkerBusyException.class);

            adopted.stop(GRACE);
            WorkerStatus stopped = adopted.status();
            assertThat(stopped.state()).isEqualTo(VmState.STOPPED);
            assertThat(stopped.pid()).isEmpty();
            assertThat(stopped.lastStop()).hasValueSatisfying(stop -> {
                assertThat(stop.reason()).isEqualTo(StopReason.REQUESTED);
                assertThat(stop.detail()).contains("guest powered off after agent guest-shutdown");
            });
            // The worker was launched by this JVM (the first instance): its zombie is reaped a moment later.
            await("worker process reaped").atMost(Duration.ofSeconds(10))
                    .until(() -> ProcessHandle.of(pid).filter(ProcessHandle::isAlive).isEmpty());
            assertThat(second.consoleLog(config.name())).content().contains("celadon-tiny: ready");
            // A stopped partition keeps its last output, and what its guest last said.
            assertThat(new String(second.consoleTail(config.name(), 64 * 1024), StandardCharsets.UTF_8))
                    .contains("celadon-tiny: ready");
            assertThat(stopped.guest().hostname()).hasValue("tiny-1");
            assertThat(stopped.live()).isEmpty();
            // Disks are kept across restarts: the overlay is still there for the next start.
            assertThat(leaks.stateDir().resolve("state/disks/tiny-1/root.qcow2")).isRegularFile();
            assertThat(second.observe()).singleElement().extracting(WorkerStatus::state).isEqualTo(VmState.STOPPED);
            second.delete(config.name(), true);
            assertThat(second.observe()).isEmpty();
        }
    }

    @Test
    void killedWorkerIsACrashWithItsReason() throws Exception {
        VmConfig config = tiny("crash-1", GuestProfile.ENLIGHTENED, 256 * MIB, 256 * MIB);
        try (QemuHypervisor hypervisor = new QemuHypervisor(settings())) {
            Worker worker = hypervisor.start(config);
            long pid = worker.status().pid().orElseThrow();
            ProcessHandle.of(pid).orElseThrow().destroyForcibly();
            await("crash seen").atMost(Duration.ofSeconds(60)).until(() -> worker.status().state() == VmState.CRASHED);
            StopInfo stop = worker.status().lastStop().orElseThrow();
            assertThat(stop.reason()).isEqualTo(StopReason.WORKER_KILLED);
            assertThat(stop.detail()).contains("signal 9 (SIGKILL)");
            assertThat(hypervisor.observe()).singleElement().extracting(WorkerStatus::state).isEqualTo(VmState.CRASHED);
            worker.stop(GRACE); // returns at once: nothing to stop
            // A crashed partition starts again over its kept disks; a guest that powers itself off
            // is a GUEST_SHUTDOWN (not a crash), seen through QMP's SHUTDOWN event.
            long readyBefore = readyLines(hypervisor, config.name());
            Worker again = hypervisor.start(config);
            assertThat(again.status().state()).isEqualTo(VmState.RUNNING);
            // Ready on its console, never probed: a probe would hold the agent's one session, which this test takes.
            await("guest ready again").atMost(BOOT).pollInterval(Duration.ofSeconds(1))
                    .until(() -> readyLines(hypervisor, config.name()) > readyBefore);
            Path agentSocket = new WorkerPaths.RunPaths(Path.of(hypervisor.store().read(config.name()).orElseThrow().runDir()))
                    .agentSocket();
            try (var agent = dev.celadon.hypervisor.qemu.agent.GuestAgentConnection.connect(agentSocket, Duration.ofSeconds(10))) {
                agent.sync();
                agent.shutdown();
            } catch (dev.celadon.hypervisor.qemu.agent.AgentException e) {
                // qemu-ga may report its helper's death by the poweroff it started; the guest goes down anyway.
            }
            await("guest shutdown seen").atMost(BOOT).until(() -> again.status().state() == VmState.STOPPED);
            assertThat(again.status().lastStop().orElseThrow().reason()).isEqualTo(StopReason.GUEST_SHUTDOWN);
        }
    }

    /**
     * A reconciler killed between spawning a worker and QMP's {@code cont} leaves QEMU paused in
     * {@code prelaunch}. Here the "launcher" does only what launch does up to that instant: argv,
     * spawn, record.
     */
    @Test
    void aWorkerWhoseLauncherStoppedBeforeContRunsOnceAdopted() throws Exception {
        PartitionName name = new PartitionName("orphan-1");
        VmConfig config = new VmConfig(name, GuestProfile.ENLIGHTENED, 1, 192 * MIB, 256 * MIB,
                new BootConfig.Kernel("tiny/vmlinuz", Optional.of("tiny/initrd.img"), "console=ttyS0 no_timer_check cryptomgr.notests celadon.hostname=orphan-1"),
                List.of(), List.of(), List.of(), IntegrationServices.ALL, GRACE);
        try (QemuHypervisor launcher = new QemuHypervisor(settings())) {
            spawnAsALauncherWould(launcher, config, true);
        }
        try (QemuHypervisor adopter = new QemuHypervisor(settings())) {
            Worker worker = adopter.worker(name).orElseThrow();
            await("adopted worker running").atMost(BOOT).until(() -> {
                adopter.supervise();
                return worker.status().state() == VmState.RUNNING;
            });
            awaitHeartbeat(worker);
            worker.stop(GRACE);
            assertThat(worker.status().state()).isEqualTo(VmState.STOPPED);
        }
    }

    /**
     * What a launch leaves at the instant its launcher dies: the intent record, QEMU spawned and paused,
     * and, if the launcher lived long enough, the pid recorded. Returns the QEMU.
     */
    private static Process spawnAsALauncherWould(QemuHypervisor launcher, VmConfig config, boolean pidRecorded)
            throws Exception {
        WorkerPaths paths = launcher.store().paths(config.name());
        WorkerPaths.RunPaths run = paths.newRun();
        Files.createDirectories(paths.workerDir());
        Files.createDirectories(run.dir());
        List<String> argv = QemuArgv.build(launcher.settings().qemuBinary(),
                new ConfigResolver(launcher.settings(), HostPaths.SYSTEM).resolve(config, paths), launcher.accel(), paths, run);
        WorkerRecord intent = WorkerRecord.launching(config.name().value(), Instant.now().toString(), launcher.accel().name(),
                VmConfigJson.hash(config), VmConfigJson.toJson(config), config.memoryBytes(), run.dir().toString());
        launcher.store().write(intent);
        Process qemu = new ProcessBuilder(argv).directory(paths.workerDir().toFile()).redirectErrorStream(true)
                .redirectOutput(paths.qemuLog().toFile()).start();
        if (pidRecorded) {
            launcher.store().write(intent.spawned(qemu.pid(), launcher.processes().startTicks(qemu.pid()).orElseThrow()));
        }
        return qemu;
    }

    /**
     * Firmware boot of a blank disk: the worker runs and QEMU answers, but no guest ever comes up. Its status
     * says exactly that (running, the machine's resources, no heartbeat) and the agent does not answer: what
     * the reconciler shows as "running, guest not ready".
     */
    @Test
    void aGuestThatCannotBootRunsWithoutAHeartbeat() throws Exception {
        VmConfig config = new VmConfig(new PartitionName("blank-1"), GuestProfile.ENLIGHTENED, 2, 128 * MIB, 256 * MIB,
                new BootConfig.FromDisk(Firmware.BIOS), List.of(new DiskConfig("root", new DiskConfig.Blank(64 * MIB))),
                List.of(), List.of(), IntegrationServices.ALL, Duration.ofSeconds(1));
        try (QemuHypervisor hypervisor = new QemuHypervisor(settings())) {
            Worker worker = hypervisor.start(config);
            assertThatThrownBy(worker::probeGuest).isInstanceOf(GuestAgentException.class);
            WorkerStatus status = worker.status();
            assertThat(status.state()).isEqualTo(VmState.RUNNING);
            assertThat(status.guest()).isEqualTo(GuestInfo.UNKNOWN);
            assertThat(status.live()).hasValueSatisfying(live -> {
                assertThat(live.cpus()).isEqualTo(2);
                assertThat(live.memoryBytes()).isEqualTo(256 * MIB);
                assertThat(live.balloonBytes()).as("no driver in the firmware: the whole machine").hasValue(256 * MIB);
            });
            // No guest to power off: a short grace, then QMP quit.
            worker.stop(Duration.ofSeconds(1));
            assertThat(worker.status().state()).isEqualTo(VmState.STOPPED);
        }
    }

    @Test
    void legacyGuestBootsOnEmulatedDevicesAndStopsByAcpi() throws Exception {
        VmConfig config = tiny("legacy-1", GuestProfile.LEGACY, 256 * MIB, 256 * MIB);
        try (QemuHypervisor hypervisor = new QemuHypervisor(settings())) {
            Worker worker = hypervisor.start(config);
            awaitConsole(hypervisor, config.name(), "celadon-tiny: init");
            // ready: acpid listens to the power button, so an ACPI powerdown is not lost.
            awaitConsole(hypervisor, config.name(), "celadon-tiny: ready");
            assertThat(worker.status().state()).isEqualTo(VmState.RUNNING);
            assertThat(worker.probeGuest()).as("no agent channel on legacy").isEqualTo(GuestInfo.UNKNOWN);
            assertThatThrownBy(() -> worker.setMemory(128 * MIB)).isInstanceOf(InvalidVmConfigException.class)
                    .hasMessageContaining("balloon");
            worker.stop(GRACE);
            StopInfo stop = worker.status().lastStop().orElseThrow();
            assertThat(worker.status().state()).isEqualTo(VmState.STOPPED);
            assertThat(stop.reason()).isEqualTo(StopReason.REQUESTED);
            assertThat(stop.detail()).contains("guest powered off after ACPI powerdown");
        }
    }

    @Test
    void disksGrowLiveAndAtStartAndAreNeverShrunk() throws Exception {
        VmConfig config = tiny("grow-1", GuestProfile.ENLIGHTENED, 256 * MIB, 256 * MIB);
        Path scratch = leaks.stateDir().resolve("state/disks/grow-1/scratch.qcow2");
        try (QemuHypervisor hypervisor = new QemuHypervisor(settings())) {
            Worker worker = hypervisor.start(config);
            awaitConsole(hypervisor, config.name(), "celadon-tiny: ready");

            worker.growDisks(withScratch(config, 128 * MIB).disks());
            // The guest's virtio-blk driver sees the new capacity at once.
            awaitConsole(hypervisor, config.name(), "capacity change from 131072 to 262144");
            assertThat(QemuImg.virtualSize(scratch)).isEqualTo(128 * MIB);
            assertThat(worker.status().config().disks()).isEqualTo(withScratch(config, 128 * MIB).disks());

            assertThatThrownBy(() -> worker.growDisks(withScratch(config, 96 * MIB).disks()))
                    .isInstanceOf(InvalidVmConfigException.class).hasMessageContaining("never shrunk");
            List<DiskConfig> added = new java.util.ArrayList<>(withScratch(config, 128 * MIB).disks());
            added.add(new DiskConfig("extra", new DiskConfig.Blank(64 * MIB)));
            assertThatThrownBy(() -> worker.growDisks(added))
                    .isInstanceOf(InvalidVmConfigException.class).hasMessageContaining("needs a restart");
            assertThat(QemuImg.virtualSize(scratch)).isEqualTo(128 * MIB);
            assertThat(worker.status().state()).isEqualTo(VmState.RUNNING);
            worker.stop(GRACE);

            // A size raised while stopped is applied at the next start; a smaller one refuses to start.
            Worker again = hypervisor.start(withScratch(config, 192 * MIB));
            assertThat(QemuImg.virtualSize(scratch)).isEqualTo(192 * MIB);
            again.stop(GRACE);
            assertThatThrownBy(() -> hypervisor.start(withScratch(config, 64 * MIB)))
                    .isInstanceOf(InvalidVmConfigException.class).hasMessageContaining("never shrunk");
            assertThat(QemuImg.virtualSize(scratch)).isEqualTo(192 * MIB);
            assertThat(hypervisor.observe()).singleElement().extracting(WorkerStatus::state).isEqualTo(VmState.STOPPED);
        }
    }

    private static VmConfig withScratch(VmConfig config, long bytes) {
        return config.withDisks(config.disks().stream()
                .map(d -> d.name().equals("scratch") ? d.withSize(bytes) : d).toList());
    }

    @Test
    void staleRecordWhosePidWasReusedIsNotAdopted() throws Exception {
        Process stranger = new ProcessBuilder("sleep", "300").start();
        leaks.track(stranger.pid());
        Processes processes = new Processes(Path.of("/proc"));
        long realStart = processes.startTicks(stranger.pid()).orElseThrow();
        VmConfig config = tiny("stale-1", GuestProfile.ENLIGHTENED, 256 * MIB, 256 * MIB);
        RecordStore store = new RecordStore(leaks.stateDir().resolve("state"));
        // The record of a worker long gone whose pid now belongs to the stranger.
        store.write(WorkerRecord.launching("stale-1", Instant.now().toString(), "TCG", VmConfigJson.hash(config),
                VmConfigJson.toJson(config), config.memoryBytes(), store.paths(config.name()).newRun().dir().toString())
                .spawned(stranger.pid(), realStart - 1).running());
        try (QemuHypervisor hypervisor = new QemuHypervisor(settings())) {
            WorkerStatus status = hypervisor.observe().getFirst();
            assertThat(status.state()).isEqualTo(VmState.CRASHED);
            assertThat(status.pid()).isEmpty();
            assertThat(status.lastStop().orElseThrow().detail()).contains("belongs to another process");
            hypervisor.worker(config.name()).orElseThrow().stop(Duration.ofSeconds(1));
            assertThat(stranger.isAlive()).as("the stranger is never signalled").isTrue();
        } finally {
            stranger.destroyForcibly().waitFor();
        }
    }

    @Test
    void badInputIsATypedErrorAndLeavesNothingBehind() throws Exception {
        Path extraImages = Files.createDirectories(leaks.stateDir().resolve("images"));
        Files.createSymbolicLink(extraImages.resolve("escape.qcow2"), Path.of("/etc/hostname"));
        QemuSettings settings = new QemuSettings(leaks.stateDir().resolve("state"), List.of(images, extraImages),
                List.of("/dev/disk/by-id", "0000:ff:1f.7"), "qemu-system-x86_64", "qemu-img", AccelChoice.AUTO,
                Path.of("/usr/share/OVMF/OVMF_CODE_4M.fd"), Path.of("/usr/share/OVMF/OVMF_VARS_4M.fd"),
                Duration.ofSeconds(30), Duration.ofSeconds(10), Duration.ofSeconds(5), WorkerIsolation.NONE);
        VmConfig good = tiny("bad-1", GuestProfile.ENLIGHTENED, 256 * MIB, 256 * MIB);
        try (QemuHypervisor hypervisor = new QemuHypervisor(settings)) {
            assertThatThrownBy(() -> hypervisor.start(withBoot(good, "tiny/missing-vmlinuz")))
                    .isInstanceOfSatisfying(dev.celadon.hypervisor.HostFileMissingException.class, e -> {
                        assertThat(e.field()).isEqualTo("boot.kernel");
                        assertThat(e).hasMessageContaining("not found in the images dirs");
                        assertThat(e.awaited()).contains(images.resolve("tiny/missing-vmlinuz"));
                    });
            assertInvalid(hypervisor, withBoot(good, "../tiny/vmlinuz"), "boot.kernel", "has a \"..\" segment");
            assertInvalid(hypervisor, withBoot(good, "/etc/hostname"), "boot.kernel", "starts with \"/\"");
            assertInvalid(hypervisor, withDisk(good, new DiskConfig.Overlay("escape.qcow2", 0)), "disks[0].image", "outside the images dirs");
            assertInvalid(hypervisor, withDisk(good, new DiskConfig.Passthrough("/dev/disk/by-id/scsi-celadon-absent")),
                    "disks[0].passthrough", "does not exist");
            assertInvalid(hypervisor, withDisk(good, new DiskConfig.Passthrough("/dev/sda")), "disks[0].passthrough",
                    "not under celadon.passthrough.allowed");
            assertInvalid(hypervisor, withDevice(good, new PciAddress("0000:ff:1f.7")), "devices[0].pci", "no PCI device");
            assertInvalid(hypervisor, withDevice(good, new PciAddress("0000:00:01.0")), "devices[0].pci", "not listed");

            // More CPUs than the machine takes is a rule of form, refused before QEMU runs...
            VmConfig tooManyCpus = new VmConfig(good.name(), good.profile(), 1000, good.memoryBytes(), good.maxMemoryBytes(),
                    good.boot(), good.disks(), good.networks(), good.devices(), good.integration(), good.shutdownGracePeriod());
            assertInvalid(hypervisor, tooManyCpus, "cpus", "more than the machine (q35) takes: 288");
            // ...what only QEMU finds wrong is its own words in a launch failure.
            Files.writeString(extraImages.resolve("not-a-kernel"), "not a kernel\n");
            assertThatThrownBy(() -> hypervisor.start(withBoot(good, "not-a-kernel")))
                    .isInstanceOfSatisfying(WorkerLaunchException.class, e -> {
                        assertThat(e.qemuOutput()).contains("invalid kernel header");
                        assertThat(e).hasMessageContaining("exited with code 1");
                    });
            assertThat(hypervisor.observe()).as("a failed launch leaves no record").isEmpty();
        }
        try (QemuHypervisor noQemu = new QemuHypervisor(settings.withQemuBinary("/nonexistent/qemu-system-x86_64"))) {
            assertThatThrownBy(() -> noQemu.start(good)).isInstanceOf(WorkerLaunchException.class)
                    .hasMessageContaining("/nonexistent/qemu-system-x86_64");
            assertThat(noQemu.observe()).isEmpty();
        }
        assertThat(WorkerLeakCheck.workersUnder(leaks.stateDir())).isEmpty();
    }

    private static void assertInvalid(QemuHypervisor hypervisor, VmConfig config, String field, String problem) {
        assertThatThrownBy(() -> hypervisor.start(config)).isInstanceOfSatisfying(InvalidVmConfigException.class, e -> {
            assertThat(e.field()).isEqualTo(field);
            assertThat(e.problem()).contains(problem);
        });
        assertThat(hypervisor.observe()).isEmpty();
    }

    private static VmConfig withBoot(VmConfig c, String kernel) {
        return new VmConfig(c.name(), c.profile(), c.cpus(), c.memoryBytes(), c.maxMemoryBytes(),
                new BootConfig.Kernel(kernel, Optional.empty(), ""), c.disks(), c.networks(), c.devices(), c.integration(),
                c.shutdownGracePeriod());
    }

    private static VmConfig withDisk(VmConfig c, DiskConfig.Source source) {
        return new VmConfig(c.name(), c.profile(), c.cpus(), c.memoryBytes(), c.maxMemoryBytes(), c.boot(),
                List.of(new DiskConfig("data", source)), c.networks(), c.devices(), c.integration(), c.shutdownGracePeriod());
    }

    private static VmConfig withDevice(VmConfig c, PciAddress device) {
        return new VmConfig(c.name(), c.profile(), c.cpus(), c.memoryBytes(), c.maxMemoryBytes(), c.boot(), c.disks(),
                c.networks(), List.of(device), c.integration(), c.shutdownGracePeriod());
    }

    /** How many times the tiny guest said it is ready on this partition's console, across its launches. */
    private static long readyLines(QemuHypervisor hypervisor, PartitionName name) throws IOException {
        Path log = hypervisor.consoleLog(name);
        return Files.exists(log) ? Files.readString(log).lines().filter(line -> line.contains("celadon-tiny: ready")).count() : 0;
    }
}
