package dev.celadon.hypervisor.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.celadon.hypervisor.HypervisorException;
import dev.celadon.hypervisor.PartitionName;
import dev.celadon.hypervisor.VmConfig;
import dev.celadon.hypervisor.VmState;
import dev.celadon.hypervisor.Worker;
import dev.celadon.hypervisor.WorkerLaunchException;
import dev.celadon.hypervisor.WorkerStatus;
import dev.celadon.hypervisor.qemu.qmp.ScriptedQmpServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A launch against a stand-in for QEMU: a script that only sleeps (its command line keeps QEMU's
 * arguments, so {@link WorkerLeakCheck} finds it), and a scripted QMP server the test opens at the
 * worker's socket, so the test decides when the "worker" greets.
 */
class QemuLaunchTest {

    private static final PartitionName NAME = new PartitionName("launched");
    private static final VmConfig CONFIG = KernelOnlyConfig.of(NAME);

    @RegisterExtension
    final WorkerLeakCheck leaks = new WorkerLeakCheck();

    @TempDir
    Path dir;

    private QemuHypervisor hypervisor;
    private ScriptedQmpServer qmp;

    @BeforeEach
    void sleepingQemu() throws Exception {
        Path images = Files.createDirectories(dir.resolve("images"));
        Files.createDirectories(images.resolve("tiny"));
        Files.createFile(images.resolve("tiny/vmlinuz"));
        // Sleeps with QEMU's arguments on its command line, one by one as QEMU has them: WorkerScan and
        // WorkerLeakCheck find it by its -pidfile marker as they find a real worker.
        Path qemu = Files.writeString(dir.resolve("sleeping-qemu"),
                "#!/bin/bash\nexec python3 -c 'import time; time.sleep(300)' \"$@\"\n");
        assertThat(qemu.toFile().setExecutable(true)).isTrue();
        hypervisor = new QemuHypervisor(QemuSettings.defaults(leaks.stateDir().resolve("state"), List.of(images))
                .withQemuBinary(qemu.toString()));
    }

    @AfterEach
    void endTheStandIn() throws Exception {
        hypervisor.close();
        if (qmp != null) {
            qmp.close();
        }
        // A launched worker runs on by design; the stand-in is this test's to end, not a leak.
        for (long pid : WorkerLeakCheck.workersUnder(leaks.stateDir())) {
            ProcessHandle.of(pid).ifPresent(p -> {
                p.destroyForcibly();
                p.onExit().join();
            });
        }
    }

    /**
     * The reconcile loop observes every worker while others launch. QEMU serves one QMP client at a
     * time, so a connection of observation's own beside the launcher's left one of them unanswered
     * until the launch timed out (a 30 s stall with 20 partitions in one commit, benchmarks/RESULTS.md).
     */
    @Test
    void observingALaunchingWorkerNeitherConnectsNorWaitsForTheLauncher() throws Exception {
        CountDownLatch greet = new CountDownLatch(1);
        CompletableFuture<Worker> launch = CompletableFuture.supplyAsync(() -> {
            try {
                return hypervisor.start(CONFIG);
            } catch (HypervisorException e) {
                throw new IllegalStateException(e);
            }
        }, runnable -> Thread.ofPlatform().name("launcher").start(runnable));
        Worker launching = await().atMost(Duration.ofSeconds(30)).until(() -> hypervisor.worker(NAME), Optional::isPresent).orElseThrow();
        WorkerRecord intent = await().atMost(Duration.ofSeconds(30)).until(() -> hypervisor.store().read(NAME), Optional::isPresent)
                .orElseThrow();
        qmp = ScriptedQmpServer.start(new WorkerPaths.RunPaths(Path.of(intent.runDir())).qmpSocket(), greet)
                .on("balloon", args -> ScriptedQmpServer.Reply.ok());
        await().atMost(Duration.ofSeconds(30)).until(qmp::accepted, n -> n == 1);

        // The launcher now waits for its greeting (up to 10 s); observation must answer without it.
        CompletableFuture<WorkerStatus> observed = CompletableFuture.supplyAsync(launching::status);
        assertThat(observed.get(5, TimeUnit.SECONDS).state()).isEqualTo(VmState.STARTING);
        assertThat(hypervisor.observe()).extracting(WorkerStatus::state).containsExactly(VmState.STARTING);

        greet.countDown();
        Worker worker = launch.get(30, TimeUnit.SECONDS);
        assertThat(worker.status().state()).isEqualTo(VmState.RUNNING);
        assertThat(qmp.accepted()).as("QMP connections: the launcher's, kept for observation").isEqualTo(1);
        assertThat(qmp.received()).containsExactly("qmp_capabilities", "balloon", "cont", "query-status",
                "query-cpus-fast");
    }

    @Test
    void aWorkerThatCannotBeRecordedIsNotLeftRunning() throws Exception {
        // The record is written through a temporary file; a directory in its place makes the write fail.
        Files.createDirectories(hypervisor.store().paths(NAME).record().resolveSibling("worker.json.tmp"));

        assertThatThrownBy(() -> hypervisor.start(CONFIG)).isInstanceOf(WorkerLaunchException.class)
                .hasMessageContaining("cannot write worker record");
        assertThat(WorkerLeakCheck.workersUnder(leaks.stateDir())).isEmpty();
        assertThat(hypervisor.worker(NAME)).isEmpty();
    }
}
