package dev.celadon.reconciler.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.celadon.hypervisor.qemu.QemuImg;
import dev.celadon.reconciler.cli.PackagedJar;
import dev.celadon.reconciler.testing.GitDaemon;
import dev.celadon.reconciler.testing.ReconcilerProcess;
import dev.celadon.reconciler.testing.StatusClient;
import dev.celadon.reconciler.testing.TestRepo;
import dev.celadon.reconciler.testing.Workers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The GitOps promise on real parts: a real {@code git daemon} on loopback, the packaged reconciler as
 * a process, real QEMU workers under TCG booting the tiny guest. One scenario, in order, because each
 * guest boot costs seconds of emulation on two cores: every step is one commit (or one fault) and
 * what status and the workers show after it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GitOpsEndToEndIT {

    /** TCG on a busy two-core machine: boots take seconds, sometimes tens of them. */
    private static final Duration CONVERGE = Duration.ofMinutes(3);

    private Path root;
    private Path stateDir;
    private TestRepo repo;
    private GitDaemon daemon;
    private ReconcilerProcess reconciler;
    private StatusClient status;
    /** A second images dir, the test's to fill: files that appear later, links that lead out. */
    private Path extraImages;
    private Path tinyKernel;

    @BeforeAll
    void startEverything() throws IOException {
        root = Files.createTempDirectory("celadon-e2e");
        stateDir = root.resolve("state");
        repo = TestRepo.create(root.resolve("git"), "fleet.git");
        repo.write("partitions.d/README.md", "specs for the end-to-end test\n");
        repo.commitAndPush("start empty");
        daemon = GitDaemon.start(root.resolve("git"));
        Path images = Path.of(System.getProperty("celadon-test.images", "../image-builder/target/images"));
        tinyKernel = images.resolve("tiny/vmlinuz").toAbsolutePath();
        extraImages = Files.createDirectories(root.resolve("extra-images"));
        assertThat(images.resolve("tiny/vmlinuz")).as("the tiny guest; run `make guest`").exists();
        reconciler = ReconcilerProcess.start(Map.of(
                "CELADON_GIT_URL", daemon.url(repo),
                "CELADON_GIT_POLL_INTERVAL", "1s",
                "CELADON_STATE_DIR", stateDir.toString(),
                "CELADON_IMAGES_DIRS", images.toAbsolutePath() + "," + extraImages,
                "CELADON_HYPERVISOR_ACCEL", "tcg",
                "CELADON_APPLIANCE_NAME", "e2e"), root.resolve("reconciler.log"));
        status = new StatusClient(() -> reconciler.url(""));
    }

    @AfterAll
    void stopEverything() {
        if (reconciler != null) {
            reconciler.close();
        }
        if (daemon != null) {
            daemon.close();
        }
        // Workers outlive the reconciler by design; the test must not leave them behind.
        List<ProcessHandle> leftovers = Workers.under(stateDir).toList();
        leftovers.forEach(ProcessHandle::destroyForcibly);
    }

    private static String partition(String name, String extra) {
        return """
                apiVersion: celadon.dev/v1alpha1
                kind: Partition
                metadata:
                  name: %s
                spec:
                  cpus: 1
                  memory: 128Mi
                  maxMemory: 256Mi
                  boot:
                    kernel: tiny/vmlinuz
                    initrd: tiny/initrd.img
                    cmdline: console=ttyS0 no_timer_check cryptomgr.notests celadon.hostname=%s
                  shutdownGracePeriod: 20s
                %s""".formatted(name, name, extra.indent(2));
    }

    private void commit(String file, String content, String message) {
        repo.write("partitions.d/" + file, content);
        repo.commitAndPush(message);
    }

    private void awaitPhase(String name, String phase) {
        await(name + " " + phase).atMost(CONVERGE).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(status.phase(name)).isEqualTo(phase));
    }

    /** The history as {@code GET /status/events} has it, oldest first. */
    private List<JsonNode> events() {
        return StreamSupport.stream(eventsDocument().path("events").spliterator(), false).toList();
    }

    private JsonNode eventsDocument() {
        HttpResponse<String> response = status.get("/status/events");
        assertThat(response.statusCode()).isEqualTo(200);
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(response.body());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The events about {@code partition}, as {@code TYPE action revision [reason]}. */
    private List<String> eventsOf(String partition) {
        return events().stream().filter(e -> partition.equals(e.path("partition").asText(null)))
                .map(e -> e.path("type").asText() + " " + e.path("action").asText() + " " + e.path("revision").asText()
                        + (e.path("reason").isNull() ? "" : " " + e.path("reason").asText()))
                .toList();
    }

    /** The packaged reconciler's {@code status} or {@code events} command against the running one. */
    private PackagedJar.Result command(String... args) throws IOException, InterruptedException {
        List<String> all = new java.util.ArrayList<>(List.of(args));
        all.add(reconciler.url(""));
        return PackagedJar.run(List.of(), all, Map.of());
    }

    /** The real uid of a process, from /proc/PID/status. */
    private static int uidOf(long pid) {
        try {
            return Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")).stream().filter(l -> l.startsWith("Uid:"))
                    .map(l -> Integer.parseInt(l.substring(4).strip().split("\\s+")[0])).findFirst().orElseThrow();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private void awaitHeartbeat(String name) {
        await(name + " heartbeat").atMost(CONVERGE).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(status.condition(name, "GuestReady"))
                        .hasValueSatisfying(c -> assertThat(c.path("status").asText()).isEqualTo("True")));
    }

    @Test
    @Order(1)
    void newFileRunsWithAHeartbeat() {
        String revision = repo.head();
        commit("web.yaml", partition("web", ""), "add web");
        awaitPhase("web", "Running");
        awaitHeartbeat("web");
        JsonNode web = status.partition("web").orElseThrow();
        assertThat(web.path("worker").path("accel").asText()).isEqualTo("tcg");
        assertThat(web.path("guest").path("hostname").asText()).isEqualTo("web");
        assertThat(web.path("guest").path("os").asText()).contains("Celadon tiny guest");
        assertThat(web.path("revision").asText()).isEqualTo(repo.head()).isNotEqualTo(revision);
        assertThat(status.status().path("source").path("revision").asText()).isEqualTo(repo.head());
        // The machine as QEMU has it, the guest as it is now, and its boot messages on the console.
        assertThat(web.path("worker").path("cpus").asInt()).isEqualTo(1);
        assertThat(web.path("worker").path("memoryBytes").asLong()).isEqualTo(256L << 20);
        assertThat(web.path("guest").path("current").asBoolean()).isTrue();
        HttpResponse<String> console = status.get("/status/partitions/web/console");
        assertThat(console.statusCode()).isEqualTo(200);
        assertThat(console.headers().firstValue("Content-Type")).hasValue("text/plain; charset=utf-8");
        assertThat(console.body()).contains("Linux version", "celadon-tiny: ready");
        // The history: the commit fetched, web's creation planned and applied from it, with how long each took.
        String head = repo.head();
        assertThat(events()).anySatisfy(e -> {
            assertThat(e.path("type").asText()).isEqualTo("RevisionFetched");
            assertThat(e.path("revision").asText()).isEqualTo(head);
            assertThat(e.path("durationMillis").asLong(-1)).isNotNegative();
        });
        assertThat(eventsOf("web")).containsExactly("ActionPlanned create " + head, "ActionApplied create " + head);
        assertThat(events().getLast().path("durationMillis").asLong(-1)).isPositive();
    }

    @Test
    @Order(2)
    void memoryWithinMaxMemoryIsAppliedLiveWithoutARestart() {
        long pid = status.pid("web");
        commit("web.yaml", partition("web", "").replace("memory: 128Mi", "memory: 192Mi"), "web: 192Mi");
        await("web follows the new revision").atMost(CONVERGE).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> {
                    JsonNode web = status.partition("web").orElseThrow();
                    assertThat(web.path("revision").asText()).isEqualTo(repo.head());
                    assertThat(web.path("pending").isNull()).isTrue();
                });
        assertThat(status.pid("web")).isEqualTo(pid);
        assertThat(status.phase("web")).isEqualTo("Running");
        // Status follows the balloon as the guest gives the memory back: its actual size, not the spec's.
        await("web's balloon at 192Mi").atMost(CONVERGE).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                assertThat(status.partition("web").orElseThrow().path("worker").path("balloonBytes").asLong())
                        .isBetween((192L - 8) << 20, (192L + 8) << 20));
    }

    @Test
    @Order(3)
    void cpusChangeRestartsWithTheReasonInStatus() {
        long pid = status.pid("web");
        AtomicBoolean reasonSeen = new AtomicBoolean();
        commit("web.yaml", partition("web", "").replace("memory: 128Mi", "memory: 192Mi")
                .replace("cpus: 1", "cpus: 2"), "web: 2 cpus");
        await("web restarted on 2 cpus").atMost(CONVERGE).pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> {
                    JsonNode web = status.partition("web").orElseThrow();
                    if (web.path("pending").asText("").contains("restart: cpus 1 → 2")) {
                        reasonSeen.set(true);
                    }
                    assertThat(web.path("phase").asText()).isEqualTo("Running");
                    assertThat(web.path("worker").path("pid").asLong()).isNotEqualTo(pid).isPositive();
                });
        assertThat(reasonSeen).as("status said why it restarted").isTrue();
        assertThat(status.partition("web").orElseThrow().path("restarts").asInt()).isZero();
    }

    @Test
    @Order(4)
    void runStateStoppedStopsGracefullyAndRunningStartsAgain() {
        awaitHeartbeat("web"); // the guest of the restart before, seen once: what a stop keeps as last seen
        commit("web.yaml", partition("web", "runState: Stopped").replace("memory: 128Mi", "memory: 192Mi")
                .replace("cpus: 1", "cpus: 2"), "web: stop");
        awaitPhase("web", "Stopped");
        assertThat(status.condition("web", "WorkerRunning"))
                .hasValueSatisfying(c -> assertThat(c.path("reason").asText()).isEqualTo("Requested"));
        // Stopped: the guest as last seen, and its last output.
        JsonNode stopped = status.partition("web").orElseThrow();
        assertThat(stopped.path("guest").path("hostname").asText()).isEqualTo("web");
        assertThat(stopped.path("guest").path("current").asBoolean()).isFalse();
        assertThat(status.get("/status/partitions/web/console").body()).contains("celadon-tiny: ready");
        commit("web.yaml", partition("web", "").replace("memory: 128Mi", "memory: 192Mi")
                .replace("cpus: 1", "cpus: 2"), "web: run again");
        awaitPhase("web", "Running");
    }

    @Test
    @Order(5)
    void invalidCommitChangesNothingAndReportsFileAndLine() throws Exception {
        long pid = status.pid("web");
        String good = status.status().path("source").path("revision").asText();
        commit("broken.yaml", partition("broken", "cpus: lots"), "a bad commit");
        String bad = repo.head();
        await("errors shown").atMost(CONVERGE).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            JsonNode doc = status.status();
            assertThat(doc.path("errors")).isNotEmpty();
            JsonNode error = doc.path("errors").get(0);
            assertThat(error.path("file").asText()).isEqualTo("broken.yaml");
            assertThat(error.path("line").asInt()).isPositive();
            assertThat(error.path("field").asText()).contains("cpus");
            assertThat(error.path("revision").asText()).isEqualTo(bad);
        });
        assertThat(status.status().path("source").path("revision").asText()).isEqualTo(good);
        assertThat(status.partition("broken")).isEmpty();
        assertThat(status.pid("web")).isEqualTo(pid);
        assertThat(events()).anySatisfy(e -> {
            assertThat(e.path("type").asText()).isEqualTo("RevisionRefused");
            assertThat(e.path("revision").asText()).isEqualTo(bad);
            assertThat(e.path("reason").asText()).isEqualTo("SpecErrors");
            assertThat(e.path("message").asText()).contains("broken.yaml:", "cpus");
        });
        // The command line gates on it: the packaged executable against the running reconciler.
        PackagedJar.Result refused = command("status");
        assertThat(refused.exit()).as(refused.stderr()).isEqualTo(1);
        assertThat(refused.stdout()).contains("NOT APPLIED  revision " + bad + " rejected", "SPEC ERRORS: revision "
                + bad.substring(0, 7)).containsPattern("(?m)^web +Running");
        repo.delete("partitions.d/broken.yaml");
        repo.commitAndPush("remove the bad file");
        await("errors cleared").atMost(CONVERGE).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(status.status().path("errors")).isEmpty());
        PackagedJar.Result fixed = command("status", "-o", "json");
        assertThat(fixed.exit()).as(fixed.stdout() + fixed.stderr()).isZero();
        assertThat(fixed.stdout()).contains("\"name\":\"web\"");
        PackagedJar.Result history = command("events", "--limit", "5");
        assertThat(history.exit()).isZero();
        assertThat(history.stderr()).isEmpty();
        assertThat(history.stdout().lines().findFirst().orElseThrow()).startsWith("WHEN ")
                .contains(" EVENT ", " PARTITION ", " REVISION ", " MESSAGE");
        assertThat(history.stdout()).contains("RevisionRefused", bad.substring(0, 7), "SpecErrors");
    }

    @Test
    @Order(6)
    void gitUnreachableKeepsPartitionsRunningAndShowsStale() {
        long pid = status.pid("web");
        daemon.stop();
        await("stale").atMost(CONVERGE).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            JsonNode source = status.status().path("source");
            assertThat(source.path("stale").asBoolean()).isTrue();
            assertThat(source.path("lastError").asText()).isNotEmpty();
        });
        assertThat(status.pid("web")).isEqualTo(pid);
        assertThat(status.phase("web")).isEqualTo("Running");
        daemon.restart();
        await("fresh again").atMost(CONVERGE).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(status.status().path("source").path("stale").asBoolean()).isFalse());
        assertThat(status.pid("web")).isEqualTo(pid);
    }

    @Test
    @Order(7)
    void killedWorkerIsRestartedAndCounted() {
        long pid = status.pid("web");
        ProcessHandle.of(pid).orElseThrow().destroyForcibly();
        await("web restarted").atMost(CONVERGE).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            JsonNode web = status.partition("web").orElseThrow();
            assertThat(web.path("restarts").asInt()).isEqualTo(1);
            assertThat(web.path("phase").asText()).isEqualTo("Running");
            assertThat(web.path("worker").path("pid").asLong()).isNotEqualTo(pid).isPositive();
        });
    }

    @Test
    @Order(8)
    void aSecondReconcilerOnTheSameStateDirRefusesToStartAndHarmsNothing() {
        long pid = status.pid("web");
        assertThatThrownBy(() -> ReconcilerProcess.start(Map.of(
                "CELADON_GIT_URL", daemon.url(repo),
                "CELADON_STATE_DIR", stateDir.toString(),
                "CELADON_HYPERVISOR_ACCEL", "tcg",
                "CELADON_APPLIANCE_NAME", "e2e"), root.resolve("second-reconciler.log")))
                .hasMessageContaining("the state dir " + stateDir + " is in use by another reconciler (pid " + reconciler.pid() + ")");
        assertThat(status.phase("web")).isEqualTo("Running");
        assertThat(status.pid("web")).isEqualTo(pid);
    }

    @Test
    @Order(9)
    void reconcilerKilledAndRestartedAdoptsEveryWorker() {
        long pid = status.pid("web");
        int restarts = status.partition("web").orElseThrow().path("restarts").asInt();
        // Isolation user, the default: the worker runs as its own account, and is adopted as that account.
        String isolation = status.partition("web").orElseThrow().path("worker").path("isolation").asText();
        assertThat(isolation).startsWith("user ").endsWith("; private view");
        assertThat(uidOf(pid)).isBetween(64000, 64999).isEqualTo(Integer.parseInt(isolation.split("[ :]")[1]));
        List<JsonNode> before = events();
        reconciler.kill9();
        assertThat(ProcessHandle.of(pid)).hasValueSatisfying(p -> assertThat(p.isAlive()).isTrue());
        reconciler.restart();
        await("web adopted").atMost(CONVERGE).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            assertThat(status.phase("web")).isEqualTo("Running");
            assertThat(status.pid("web")).isEqualTo(pid);
        });
        awaitHeartbeat("web");
        assertThat(status.partition("web").orElseThrow().path("worker").path("isolation").asText()).isEqualTo(isolation);
        assertThat(status.partition("web").orElseThrow().path("restarts").asInt()).isEqualTo(restarts);
        // The history outlived the crash, and goes on numbering after it.
        List<JsonNode> after = events();
        assertThat(after.subList(0, before.size())).isEqualTo(before);
        assertThat(after.getLast().path("id").asLong()).isGreaterThan(before.getLast().path("id").asLong());
        assertThat(stateDir.resolve("reconciler/events.jsonl")).isNotEmptyFile();
        reconciler.stop();
        assertThat(ProcessHandle.of(pid)).hasValueSatisfying(p -> assertThat(p.isAlive()).isTrue());
        reconciler.restart();
        await("web adopted after SIGTERM").atMost(CONVERGE).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(status.pid("web")).isEqualTo(pid));
    }

    /**
     * A crash at the worst instant: QEMU has just been spawned, paused, not yet told to run. A "QEMU" that
     * kills the reconciler which launched it, then becomes QEMU, makes that instant certain. (Whether the
     * dying reconciler got to record the pid in the microseconds between spawn and kill, it cannot be made
     * to say; either way the next one must adopt that QEMU and no other may start. WorkerRecoveryIT holds
     * the case where it did not, exactly.)
     */
    @Test
    @Order(10)
    void aReconcilerKilledTheInstantItsQemuAppearsLeavesOneQemuThatIsAdopted() throws IOException {
        long web = status.pid("web");
        Path killer = root.resolve("qemu-that-kills-its-reconciler");
        Files.writeString(killer, "#!/bin/bash\nkill -9 \"$PPID\"\nexec qemu-system-x86_64 \"$@\"\n");
        assertThat(killer.toFile().setExecutable(true)).isTrue();
        reconciler.kill9();
        // An isolated worker cannot signal its root reconciler (the point of isolation): this crash is made as root.
        reconciler.restartWith(Map.of("CELADON_HYPERVISOR_QEMU_BINARY", killer.toString(), "CELADON_HYPERVISOR_ISOLATION", "none"));
        commit("f1.yaml", partition("f1", ""), "add f1");
        assertThat(reconciler.awaitExit(CONVERGE)).as("the reconciler killed by the QEMU it launched").isTrue();
        await("f1's QEMU runs without its reconciler").atMost(CONVERGE).until(() -> workersOf("f1").size() == 1);
        long f1 = workersOf("f1").getFirst();

        reconciler.kill9();
        reconciler.restartWith(Map.of("CELADON_HYPERVISOR_QEMU_BINARY", "qemu-system-x86_64", "CELADON_HYPERVISOR_ISOLATION", "user"));
        reconciler.awaitReady();
        awaitPhase("f1", "Running");
        awaitHeartbeat("f1");
        assertThat(status.pid("f1")).isEqualTo(f1);
        assertThat(workersOf("f1")).containsExactly(f1);
        assertThat(status.pid("web")).isEqualTo(web);
        assertThat(workersOf("web")).containsExactly(web);
    }

    /** A record cut short while its QEMU runs: moved aside, its QEMU stopped and replaced, everything else untouched. */
    @Test
    @Order(11)
    void aTruncatedWorkerRecordIsReportedAndItsPartitionAloneIsReplaced() throws IOException {
        long web = status.pid("web");
        long f1 = status.pid("f1");
        reconciler.kill9();
        Path record = stateDir.resolve("hypervisor/workers/web/worker.json");
        Files.write(record, java.util.Arrays.copyOf(Files.readAllBytes(record), 64));
        reconciler.restart();
        await("web replaced").atMost(CONVERGE).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            assertThat(status.phase("web")).isEqualTo("Running");
            assertThat(status.pid("web")).isNotEqualTo(web);
        });
        assertThat(status.condition("web", "WorkerRecovered")).hasValueSatisfying(c -> {
            assertThat(c.path("reason").asText()).isEqualTo("RecordQuarantined");
            assertThat(c.path("message").asText()).contains("worker.json.unreadable-").contains("worker " + web);
        });
        assertThat(workersOf("web")).containsExactly(status.pid("web"));
        assertThat(running(web)).as("the orphan is gone (a zombie at most: pid 1 here need not reap)").isFalse();
        assertThat(status.pid("f1")).isEqualTo(f1);
        assertThat(status.condition("f1", "WorkerRecovered")).as("the earlier incident went with the restart").isEmpty();
        assertThat(reconciler.log()).contains("unreadable worker record");

        repo.delete("partitions.d/f1.yaml");
        repo.commitAndPush("remove f1");
        await("f1 deleted").atMost(CONVERGE).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(status.partition("f1")).isEmpty());
    }

    /**
     * Make before break on real QEMU: a commit whose restart cannot run on this host (a kernel not copied
     * yet, a link out of the images dirs) leaves the running worker alone, and says where in Git; a kernel
     * that appears later is picked up without a new commit.
     */
    @Test
    @Order(12)
    void aRestartThatCannotRunLeavesTheWorkerRunningUntilItCan() throws IOException {
        long pid = status.pid("web");
        commit("web.yaml", partition("web", "").replace("cpus: 1", "cpus: 2").replace("kernel: tiny/vmlinuz",
                "kernel: next/vmlinuz"), "web: a kernel not on the appliance yet");
        await("web refused, still running").atMost(CONVERGE).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                assertThat(status.condition("web", "ReconcileFailed")).hasValueSatisfying(c -> {
                    assertThat(c.path("reason").asText()).isEqualTo("HostFileMissing");
                    assertThat(c.path("message").asText()).startsWith("web.yaml:1:1: spec.boot.kernel: next/vmlinuz not found");
                }));
        assertThat(status.pid("web")).isEqualTo(pid);
        assertThat(status.phase("web")).isEqualTo("Running");

        Files.createSymbolicLink(Files.createDirectories(extraImages.resolve("escape")).resolve("vmlinuz"),
                Path.of("/etc/hostname"));
        commit("web.yaml", partition("web", "").replace("cpus: 1", "cpus: 2").replace("kernel: tiny/vmlinuz",
                "kernel: escape/vmlinuz"), "web: a kernel that leads out of the images dirs");
        await("web refused again").atMost(CONVERGE).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                assertThat(status.condition("web", "ReconcileFailed")).hasValueSatisfying(c -> {
                    assertThat(c.path("reason").asText()).isEqualTo("InvalidVmConfig");
                    assertThat(c.path("message").asText()).startsWith("web.yaml:1:1: spec.boot.kernel:")
                            .contains("outside the images dirs");
                }));
        assertThat(status.pid("web")).isEqualTo(pid);

        commit("web.yaml", partition("web", "").replace("cpus: 1", "cpus: 2").replace("kernel: tiny/vmlinuz",
                "kernel: next/vmlinuz"), "web: the new kernel again");
        await("the new kernel waited for").atMost(CONVERGE).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                assertThat(status.condition("web", "ReconcileFailed")).hasValueSatisfying(c ->
                        assertThat(c.path("reason").asText()).isEqualTo("HostFileMissing")));
        Files.copy(tinyKernel, Files.createDirectories(extraImages.resolve("next")).resolve("vmlinuz"));
        await("web restarted on the kernel that appeared").atMost(CONVERGE).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> {
                    assertThat(status.pid("web")).isNotEqualTo(pid);
                    assertThat(status.phase("web")).isEqualTo("Running");
                    assertThat(status.condition("web", "ReconcileFailed")).isEmpty();
                });
        // Each refused restart is one failure in the history, however often it was retried; then the restart applied.
        String head = repo.head();
        await("the restart in the history").atMost(CONVERGE).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                assertThat(eventsOf("web")).endsWith("ActionPlanned restart " + head,
                        "ActionFailed restart " + head + " HostFileMissing", "ActionApplied restart " + head));
        assertThat(eventsOf("web")).contains("ActionFailed restart %s InvalidVmConfig".formatted(
                events().stream().filter(e -> "InvalidVmConfig".equals(e.path("reason").asText())).findFirst()
                        .orElseThrow().path("revision").asText()));
        assertThat(status.get("/q/metrics").body())
                .containsPattern("celadon_actions_total\\{action=\"restart\",outcome=\"failed\"} [1-9]")
                .containsPattern("celadon_actions_total\\{action=\"restart\",outcome=\"applied\"} [1-9]");
        assertThat(status.get("/").body()).contains("id=\"events\"", "event-ActionFailed", "HostFileMissing");
    }

    /** A commit the hypervisor could never run is a FILE:LINE error like any spec error: nothing is stopped. */
    @Test
    @Order(13)
    void aDiskNameTheHypervisorCannotTakeIsASpecErrorAndChangesNothing() {
        long pid = status.pid("web");
        String revision = status.status().path("source").path("revision").asText();
        commit("web.yaml", partition("web", """
                disks:
                  - name: %s
                    size: 64Mi""".formatted("d".repeat(40))), "web: a disk name of 40 characters");
        await("the revision rejected").atMost(CONVERGE).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                assertThat(status.status().path("errors").toString()).contains("spec.disks[0].name").contains("web.yaml"));
        assertThat(status.status().path("source").path("revision").asText()).isEqualTo(revision);
        assertThat(status.pid("web")).isEqualTo(pid);
    }

    /** A process with this pid runs (a zombie does not: it is only waiting for its parent to read its end). */
    private static boolean running(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (IOException e) {
            return false;
        }
    }

    private List<Long> workersOf(String partition) {
        String marker = "/workers/" + partition + "/qemu.pid";
        return Workers.under(stateDir).filter(p -> p.info().commandLine().orElse("").contains(marker))
                .map(ProcessHandle::pid).toList();
    }

    @Test
    @Order(14)
    void protectedPartitionRemovalIsRefused() {
        commit("web.yaml", partition("web", "protected: true").replace("memory: 128Mi", "memory: 192Mi")
                .replace("cpus: 1", "cpus: 2"), "web: protect");
        await("protection recorded").atMost(CONVERGE).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(status.partition("web").orElseThrow().path("revision").asText())
                        .isEqualTo(repo.head()));
        awaitPhase("web", "Running");
        long pid = status.pid("web");
        repo.delete("partitions.d/web.yaml");
        repo.commitAndPush("remove web while protected");
        await("refusal reported").atMost(CONVERGE).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(status.condition("web", "DeletionRefused"))
                        .hasValueSatisfying(c -> assertThat(c.path("status").asText()).isEqualTo("True")));
        assertThat(status.pid("web")).isEqualTo(pid);
        assertThat(status.phase("web")).isEqualTo("Running");
    }

    @Test
    @Order(15)
    void aBiggerDiskGrowsLiveAndASmallerOneIsRefused() throws Exception {
        commit("web.yaml", webWithScratch("64Mi"), "web: unprotect, add a scratch disk");
        await("web has its disk").atMost(CONVERGE).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            assertThat(status.condition("web", "DeletionRefused")).isEmpty();
            assertThat(status.partition("web").orElseThrow().path("revision").asText()).isEqualTo(repo.head());
            assertThat(status.phase("web")).isEqualTo("Running");
        });
        long pid = status.pid("web");
        Path scratch = stateDir.resolve("hypervisor/disks/web/scratch.qcow2");
        assertThat(QemuImg.virtualSize(scratch)).isEqualTo(64L << 20);

        commit("web.yaml", webWithScratch("128Mi"), "web: a bigger scratch disk");
        await("web follows, same worker").atMost(CONVERGE).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            assertThat(status.partition("web").orElseThrow().path("revision").asText()).isEqualTo(repo.head());
            assertThat(QemuImg.virtualSize(scratch)).isEqualTo(128L << 20);
        });
        assertThat(status.pid("web")).isEqualTo(pid);

        commit("web.yaml", webWithScratch("32Mi"), "web: a smaller scratch disk");
        await("the shrink refused").atMost(CONVERGE).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                assertThat(status.condition("web", "ChangeRefused")).hasValueSatisfying(c ->
                        assertThat(c.path("message").asText()).contains("disks.scratch.size 128Mi → 32Mi")));
        assertThat(status.pid("web")).isEqualTo(pid);
        assertThat(status.phase("web")).isEqualTo("Running");
        assertThat(QemuImg.virtualSize(scratch)).isEqualTo(128L << 20);
    }

    private static String webWithScratch(String size) {
        return partition("web", """
                disks:
                  - name: scratch
                    size: %s""".formatted(size)).replace("memory: 128Mi", "memory: 192Mi").replace("cpus: 1", "cpus: 2");
    }


    @Test
    @Order(16)
    void removedFileIsDeletedWithDisksRetained() throws IOException {
        long pid = status.pid("web");
        repo.delete("partitions.d/web.yaml");
        repo.commitAndPush("remove web");
        await("web deleted").atMost(CONVERGE).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(status.partition("web")).isEmpty());
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        try (Stream<Path> files = Files.walk(stateDir)) {
            assertThat(files.map(Path::toString)).as("disks kept under deletionPolicy Retain")
                    .anyMatch(p -> p.contains("web") && p.endsWith("scratch.qcow2"));
        }
    }

    @Test
    @Order(17)
    void oversizedPartitionStaysPendingWithAReason() {
        commit("huge.yaml", partition("huge", "").replace("memory: 128Mi", "memory: 1Ti")
                .replace("maxMemory: 256Mi", "maxMemory: 1Ti"), "a partition that cannot fit");
        await("huge pending").atMost(CONVERGE).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            assertThat(status.phase("huge")).isEqualTo("Pending");
            assertThat(status.condition("huge", "InsufficientResources"))
                    .hasValueSatisfying(c -> assertThat(c.path("message").asText()).contains("needs 1Ti of memory"));
        });
        assertThat(Workers.under(stateDir).filter(p -> p.info().commandLine().orElse("").contains("huge"))).isEmpty();
    }

    /** Firmware boot of a blank disk: QEMU runs, no guest ever comes up; status must not call that healthy. */
    @Test
    @Order(18)
    void aWorkerWhoseGuestCannotBootIsRunningButNotReady() {
        commit("blank.yaml", """
                apiVersion: celadon.dev/v1alpha1
                kind: Partition
                metadata:
                  name: blank
                spec:
                  cpus: 1
                  memory: 128Mi
                  boot:
                    firmware: bios
                  disks:
                    - name: root
                      size: 64Mi
                  shutdownGracePeriod: 1s
                """, "a partition with nothing to boot");
        awaitPhase("blank", "Running");
        await("blank's guest not ready").atMost(CONVERGE).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                assertThat(status.condition("blank", "GuestReady")).hasValueSatisfying(c -> {
                    assertThat(c.path("status").asText()).isEqualTo("False");
                    assertThat(c.path("reason").asText()).isEqualTo("NoHeartbeat");
                }));
        assertThat(status.partition("blank").orElseThrow().path("worker").path("cpus").asInt()).isEqualTo(1);
        String page = status.get("/").body();
        String row = page.substring(page.indexOf("<tr data-partition=\"blank\""));
        assertThat(row.substring(0, row.indexOf("</tr>"))).contains("guest-not-ready", "Running, guest not ready",
                "NoHeartbeat: the guest agent has not answered since the worker started at");

        repo.delete("partitions.d/blank.yaml");
        repo.commitAndPush("remove blank");
        await("blank deleted").atMost(CONVERGE).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(status.partition("blank")).isEmpty());
    }
}
