package dev.celadon.hypervisor.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.celadon.hypervisor.BootConfig;
import dev.celadon.hypervisor.GuestProfile;
import dev.celadon.hypervisor.Incident;
import dev.celadon.hypervisor.IntegrationServices;
import dev.celadon.hypervisor.PartitionName;
import dev.celadon.hypervisor.VmConfig;
import dev.celadon.hypervisor.VmState;
import dev.celadon.hypervisor.Worker;
import dev.celadon.hypervisor.WorkerBusyException;
import dev.celadon.hypervisor.WorkerStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The worker core against what a hostile world leaves on disk and in /proc, on real QEMU under TCG:
 * a launcher that died at the worst instant, a record cut short while its QEMU runs, a guest flooding its
 * console, the longest name under a long state dir. Guests boot only as far as each case needs.
 */
class WorkerRecoveryIT {

    private static final long MIB = 1024 * 1024;
    private static final Duration BOOT = Duration.ofSeconds(180);

    @RegisterExtension
    final WorkerLeakCheck leaks = new WorkerLeakCheck();

    private static Path images;

    @BeforeAll
    static void tinyGuestIsBuilt() {
        images = TinyGuest.images();
    }

    private QemuSettings settings(Path stateDir) {
        return QemuSettings.defaults(stateDir, List.of(images));
    }

    private static VmConfig tiny(String name, String cmdline) {
        return new VmConfig(new PartitionName(name), GuestProfile.ENLIGHTENED, 1, 128 * MIB, 192 * MIB,
                new BootConfig.Kernel("tiny/vmlinuz", Optional.of("tiny/initrd.img"), "console=ttyS0 no_timer_check cryptomgr.notests " + cmdline),
                List.of(), List.of(), List.of(), IntegrationServices.ALL, Duration.ofSeconds(20));
    }

    /** A file's size, 0 in the instant a rotation has moved it and not yet begun the next. */
    private static long sizeOf(Path file) {
        try {
            return Files.size(file);
        } catch (java.io.IOException e) {
            return 0;
        }
    }

    private static List<Long> workersOf(Path stateDir, String name) throws Exception {
        return new WorkerScan(Path.of("/proc"), stateDir, new Processes(Path.of("/proc"))).scan()
                .getOrDefault(new PartitionName(name), List.of()).stream().map(WorkerScan.Found::pid).toList();
    }

    /** What a launch leaves when its launcher dies between the spawn and recording the pid: intent and QEMU. */
    private static Process spawnWithoutRecordingThePid(QemuHypervisor launcher, VmConfig config) throws Exception {
        WorkerPaths paths = launcher.store().paths(config.name());
        WorkerPaths.RunPaths run = paths.newRun();
        Files.createDirectories(paths.workerDir());
        Files.createDirectories(run.dir());
        launcher.store().write(WorkerRecord.launching(config.name().value(), Instant.now().toString(),
                launcher.accel().name(), VmConfigJson.hash(config), VmConfigJson.toJson(config), config.memoryBytes(),
                run.dir().toString()));
        List<String> argv = QemuArgv.build(launcher.settings().qemuBinary(),
                new ConfigResolver(launcher.settings(), HostPaths.SYSTEM).resolve(config, paths), launcher.accel(), paths, run);
        return new ProcessBuilder(argv).directory(paths.workerDir().toFile()).redirectErrorStream(true)
                .redirectOutput(paths.qemuLog().toFile()).start();
    }

    @Test
    void aLaunchCutOffBeforeItsPidWasRecordedIsAdoptedAndNoSecondQemuEverRuns() throws Exception {
        Path state = leaks.stateDir().resolve("state");
        VmConfig config = tiny("f1", "celadon.hostname=f1");
        long pid;
        try (QemuHypervisor dying = new QemuHypervisor(settings(state))) {
            pid = spawnWithoutRecordingThePid(dying, config).pid();
        }
        try (QemuHypervisor next = new QemuHypervisor(settings(state))) {
            assertThat(next.observe()).singleElement().extracting(WorkerStatus::state).isEqualTo(VmState.STARTING);
            await("adopted and running").atMost(BOOT).until(() -> {
                next.supervise();
                return next.worker(config.name()).orElseThrow().status().state() == VmState.RUNNING;
            });
            assertThat(next.observe()).singleElement().satisfies(s -> assertThat(s.pid()).hasValue(pid));
            assertThat(next.incidents()).singleElement().satisfies(i -> {
                assertThat(i.reason()).isEqualTo(Incident.Reason.ORPHAN_ADOPTED);
                assertThat(i.message()).contains(Long.toString(pid));
            });
            assertThat(workersOf(state, "f1")).containsExactly(pid);
            // A second QEMU is refused twice over: by the hypervisor, and by QEMU's lock on its pid file.
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> next.start(config)).isInstanceOf(WorkerBusyException.class);
            List<String> argv = QemuArgv.build("qemu-system-x86_64", new ConfigResolver(next.settings(), HostPaths.SYSTEM)
                    .resolve(config, next.store().paths(config.name())), next.accel(), next.store().paths(config.name()),
                    next.store().paths(config.name()).newRun());
            Process second = new ProcessBuilder(argv).redirectErrorStream(true).start();
            leaks.track(second.pid());
            assertThat(second.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(new String(second.getInputStream().readAllBytes())).contains("pid file");
            assertThat(workersOf(state, "f1")).containsExactly(pid);
            next.worker(config.name()).orElseThrow().stop(Duration.ofSeconds(5));
        }
    }

    @Test
    void aRecordCutShortWhileItsQemuRunsIsMovedAsideItsQemuStoppedAndOthersUntouched() throws Exception {
        Path state = leaks.stateDir().resolve("state");
        VmConfig broken = tiny("f2", "celadon.hostname=f2");
        VmConfig healthy = tiny("f3", "celadon.hostname=f3");
        long healthyPid;
        long orphanPid;
        try (QemuHypervisor first = new QemuHypervisor(settings(state))) {
            orphanPid = first.start(broken).status().pid().orElseThrow();
            healthyPid = first.start(healthy).status().pid().orElseThrow();
        }
        Path record = state.resolve("workers/f2/worker.json");
        Files.write(record, java.util.Arrays.copyOf(Files.readAllBytes(record), 100));
        try (QemuHypervisor next = new QemuHypervisor(settings(state))) {
            assertThat(next.observe()).as("observation only reads: the cut record is passed over")
                    .extracting(s -> s.name().value()).containsExactly("f3");
            next.supervise();
            assertThat(next.incidents()).singleElement().satisfies(i -> {
                assertThat(i.partition()).isEqualTo(broken.name());
                assertThat(i.reason()).isEqualTo(Incident.Reason.RECORD_QUARANTINED);
                assertThat(i.message()).contains("worker.json.unreadable-").contains("worker " + orphanPid + " ran without a record");
            });
            assertThat(state.resolve("workers/f2")).isDirectoryContaining(p -> p.getFileName().toString()
                    .startsWith("worker.json.unreadable-"));
            assertThat(next.observe()).singleElement().satisfies(s -> {
                assertThat(s.name().value()).isEqualTo("f3");
                assertThat(s.state()).isEqualTo(VmState.RUNNING);
                assertThat(s.pid()).hasValue(healthyPid);
            });
            // The orphan is being stopped (its guest asked first): no second QEMU starts meanwhile.
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> next.start(broken)).isInstanceOf(WorkerBusyException.class);
            await("orphan stopped").atMost(BOOT).until(() -> ProcessHandle.of(orphanPid).filter(ProcessHandle::isAlive).isEmpty());
            await("a fresh worker once the orphan is gone").atMost(BOOT).ignoreExceptionsInstanceOf(WorkerBusyException.class)
                    .until(() -> next.start(broken) != null);
            assertThat(workersOf(state, "f2")).singleElement().isNotEqualTo(orphanPid);
            assertThat(workersOf(state, "f3")).containsExactly(healthyPid);
            for (Worker worker : List.of(next.worker(broken.name()).orElseThrow(), next.worker(healthy.name()).orElseThrow())) {
                worker.stop(Duration.ofSeconds(5));
            }
        }
    }

    /**
     * A guest that only ever prints: its console stays within the cap however long it floods. And the
     * longest name the spec allows, under a 60-character state dir, has sockets that fit.
     */
    @Test
    void aFloodingGuestKeepsItsConsoleUnderTheCapAndTheLongestNameRunsUnderALongStateDir() throws Exception {
        Path base = leaks.stateDir();
        Path state = base.resolve("s".repeat(60 - base.toString().length() - 1));
        assertThat(state.toString()).hasSize(60);
        String name = "n".repeat(63);
        VmConfig flood = tiny(name, "rdinit=/usr/bin/yes");
        try (QemuHypervisor hypervisor = new QemuHypervisor(settings(state))) {
            Worker worker = hypervisor.start(flood);
            assertThat(worker.status().state()).isEqualTo(VmState.RUNNING);
            Path log = hypervisor.consoleLog(flood.name());
            Path before = log.resolveSibling("console.log.1");
            await("the console rotated").atMost(BOOT).pollInterval(Duration.ofMillis(100)).until(() -> {
                assertThat(sizeOf(log)).isLessThanOrEqualTo(ConsoleCapture.CAP);
                return Files.exists(before);
            });
            await("both files stay under the cap while the guest floods").during(Duration.ofSeconds(5))
                    .atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                    .until(() -> sizeOf(log) <= ConsoleCapture.CAP && sizeOf(before) <= ConsoleCapture.CAP);
            assertThat(Files.readString(log)).as("the tty ends lines with CR LF").contains("y\r\ny\r\ny\r\n");
            hypervisor.supervise();
            assertThat(worker.status().state()).isEqualTo(VmState.RUNNING);
            worker.stop(Duration.ofSeconds(1));
            assertThat(worker.status().state()).isEqualTo(VmState.STOPPED);
        }
    }
}
