package dev.celadon.hypervisor.qemu;

import static dev.celadon.hypervisor.qemu.KernelOnlyConfig.MIB;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.celadon.hypervisor.InvalidVmConfigException;
import dev.celadon.hypervisor.LiveResources;
import dev.celadon.hypervisor.PartitionName;
import dev.celadon.hypervisor.VmConfig;
import dev.celadon.hypervisor.VmState;
import dev.celadon.hypervisor.Worker;
import dev.celadon.hypervisor.WorkerStatus;
import dev.celadon.hypervisor.qemu.qmp.ScriptedQmpServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The supervision logic against a scripted QMP server, without QEMU: the "worker" is this JVM
 * itself (alive, with a known start time), so these tests must never stop it.
 */
class QemuWorkerTest {

    private static final PartitionName NAME = new PartitionName("scripted");
    private static final VmConfig CONFIG = KernelOnlyConfig.of(NAME);

    @TempDir
    Path dir;

    private QemuHypervisor hypervisor;
    private ScriptedQmpServer qmp;

    @BeforeEach
    void adoptThisJvmAsAWorker() throws Exception {
        QemuSettings settings = QemuSettings.defaults(dir.resolve("state"), List.of(Files.createDirectories(dir.resolve("images"))));
        hypervisor = new QemuHypervisor(settings);
        long pid = ProcessHandle.current().pid();
        WorkerPaths.RunPaths run = hypervisor.store().paths(NAME).newRun();
        Files.createDirectories(run.dir());
        hypervisor.store().write(WorkerRecord.launching(NAME.value(), Instant.now().toString(), "TCG", VmConfigJson.hash(CONFIG),
                VmConfigJson.toJson(CONFIG), CONFIG.memoryBytes(), run.dir().toString())
                .spawned(pid, hypervisor.processes().startTicks(pid).orElseThrow()).running());
        qmp = ScriptedQmpServer.start(run.qmpSocket());
    }

    @AfterEach
    void release() throws Exception {
        hypervisor.close();
        qmp.close();
    }

    private void qemuStatus(String status) {
        qmp.on("query-status", args -> new ScriptedQmpServer.Reply.Ok(
                JsonNodeFactory.instance.objectNode().put("status", status).put("running", status.equals("running"))));
    }

    @Test
    void mapsQemuStatusToVmState() {
        Worker worker = hypervisor.worker(NAME).orElseThrow();
        assertThat(worker.status().state()).isEqualTo(VmState.RUNNING);
        qemuStatus("paused");
        assertThat(worker.status().state()).isEqualTo(VmState.PAUSED);
        qemuStatus("inmigrate");
        assertThat(worker.status().state()).isEqualTo(VmState.STARTING);
        assertThat(worker.status().config()).isEqualTo(CONFIG);
    }

    @Test
    void anAdoptedWorkerWhoseLauncherStoppedBeforeContIsStarted() {
        qemuStatus("prelaunch");
        qmp.on("balloon", args -> {
            assertThat(args.path("value").asLong()).isEqualTo(CONFIG.memoryBytes());
            return ScriptedQmpServer.Reply.ok();
        });
        qmp.on("cont", args -> {
            qemuStatus("running");
            return ScriptedQmpServer.Reply.ok();
        });
        Worker worker = hypervisor.worker(NAME).orElseThrow();
        assertThat(worker.status().state()).as("observation only reads").isEqualTo(VmState.STARTING);
        hypervisor.supervise();
        assertThat(worker.status().state()).isEqualTo(VmState.RUNNING);
        assertThat(qmp.received()).containsExactly("qmp_capabilities", "query-status", "query-status", "balloon", "cont",
                "query-status", "query-cpus-fast");
    }

    @Test
    void statusReadsTheMachinesResourcesWhileItRunsAndChangesNothing() {
        Worker worker = hypervisor.worker(NAME).orElseThrow();
        qemuStatus("running");
        qmp.on("query-cpus-fast", args -> new ScriptedQmpServer.Reply.Ok(JsonNodeFactory.instance.arrayNode()
                .add(JsonNodeFactory.instance.objectNode().put("cpu-index", 0))
                .add(JsonNodeFactory.instance.objectNode().put("cpu-index", 1))));
        qmp.on("query-memory-size-summary", args -> new ScriptedQmpServer.Reply.Ok(
                JsonNodeFactory.instance.objectNode().put("base-memory", CONFIG.maxMemoryBytes())));
        qmp.on("query-balloon", args -> new ScriptedQmpServer.Reply.Ok(
                JsonNodeFactory.instance.objectNode().put("actual", 300 * MIB)));
        WorkerStatus status = worker.status();
        assertThat(status.live()).hasValue(new LiveResources(2, CONFIG.maxMemoryBytes(), OptionalLong.of(300 * MIB)));
        assertThat(qmp.received()).containsExactly("qmp_capabilities", "query-status", "query-cpus-fast",
                "query-memory-size-summary", "query-balloon");

        qemuStatus("paused");
        assertThat(worker.status().live()).as("a paused machine has its resources too").isPresent();
        qemuStatus("inmigrate");
        assertThat(worker.status().live()).as("not yet a machine to ask").isEmpty();
        // A QEMU that cannot say leaves the resources out; the state is still known.
        qemuStatus("running");
        qmp.on("query-balloon", args -> new ScriptedQmpServer.Reply.Error("DeviceNotActive", "No balloon device has been activated"));
        WorkerStatus unsure = worker.status();
        assertThat(unsure.state()).isEqualTo(VmState.RUNNING);
        assertThat(unsure.live()).isEmpty();
    }

    @Test
    void balloonsWithinMaxMemoryAndRemembersTheTarget() throws Exception {
        qmp.on("balloon", args -> {
            assertThat(args.path("value").asLong()).isEqualTo(300 * MIB);
            return ScriptedQmpServer.Reply.ok();
        });
        Worker worker = hypervisor.worker(NAME).orElseThrow();
        worker.setMemory(300 * MIB);
        assertThat(qmp.received()).contains("balloon");
        assertThat(worker.status().config().memoryBytes()).isEqualTo(300 * MIB);
        assertThatThrownBy(() -> worker.setMemory(513 * MIB)).isInstanceOfSatisfying(InvalidVmConfigException.class,
                e -> assertThat(e.field()).isEqualTo("memory"));
        hypervisor.close();
        qmp.hangup();
        try (QemuHypervisor next = new QemuHypervisor(hypervisor.settings())) {
            assertThat(next.observe()).singleElement().satisfies(s -> assertThat(s.config().memoryBytes()).isEqualTo(300 * MIB));
        }
    }

    @Test
    void aGuestThatPowersOffIsRecordedAndTheWorkerQuit() throws Exception {
        Worker worker = hypervisor.worker(NAME).orElseThrow();
        assertThat(worker.status().state()).isEqualTo(VmState.RUNNING);
        qmp.emit("SHUTDOWN", JsonNodeFactory.instance.objectNode().put("guest", true).put("reason", "guest-shutdown"));
        await().atMost(Duration.ofSeconds(10)).until(() -> qmp.received().contains("quit"));
        assertThat(worker.status().state()).as("on its way out until the process exits").isEqualTo(VmState.STOPPING);
        assertThat(hypervisor.store().read(NAME).orElseThrow().ending().reason()).isEqualTo("GUEST_SHUTDOWN");
    }

    @Test
    void aPanicOutranksTheShutdownThatFollows() throws Exception {
        Worker worker = hypervisor.worker(NAME).orElseThrow();
        worker.status();
        qmp.emit("GUEST_PANICKED", JsonNodeFactory.instance.objectNode().put("action", "pause"));
        qmp.emit("SHUTDOWN", JsonNodeFactory.instance.objectNode().put("guest", true).put("reason", "guest-panic"));
        await().atMost(Duration.ofSeconds(10)).until(() -> qmp.received().contains("quit"));
        await().atMost(Duration.ofSeconds(10)).until(() ->
                "GUEST_PANICKED".equals(hypervisor.store().read(NAME).orElseThrow().ending().reason()));
    }

    @Test
    void aRunningWorkerCannotBeStartedAgainOrDeleted() {
        assertThatThrownBy(() -> hypervisor.start(CONFIG)).isInstanceOf(dev.celadon.hypervisor.WorkerBusyException.class)
                .hasMessageContaining("cannot start while the worker is RUNNING");
        assertThatThrownBy(() -> hypervisor.delete(NAME, true)).isInstanceOf(dev.celadon.hypervisor.WorkerBusyException.class);
    }
}
