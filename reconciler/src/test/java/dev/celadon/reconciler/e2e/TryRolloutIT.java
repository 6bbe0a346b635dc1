package dev.celadon.reconciler.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.celadon.reconciler.testing.GitDaemon;
import dev.celadon.reconciler.testing.ReconcilerProcess;
import dev.celadon.reconciler.testing.StatusClient;
import dev.celadon.reconciler.testing.TestRepo;
import dev.celadon.reconciler.testing.Workers;

/**
 * A Try rollout on real QEMU (TCG) with the tiny guest, through the packaged reconciler and {@code git daemon}:
 * a change whose guest never becomes Ready (its kernel command line runs a shell as init, so the agent never
 * answers) is rolled back within the timeout plus one pass, even though the reconciler is restarted in the middle
 * of the try; the partition runs the old machine again (QEMU's vCPUs, the old command line's hostname from
 * the agent); the history lists the change, the failure and the rollback; a commit that does not touch the
 * partition does not try again. Three boots: the first machine, the tried one, the first again.
 */
class TryRolloutIT {

    /** The default timeout (the spec leaves it out): room for a slow restart of the reconciler within it. */
    private static final Duration TIMEOUT = Duration.ofMinutes(2);
    /** The poll interval; a pass runs every second besides. */
    private static final Duration POLL = Duration.ofSeconds(1);
    /** Generous: TCG on a shared two-core machine. */
    private static final Duration CONVERGE = Duration.ofMinutes(4);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path root;
    private Path stateDir;

    @AfterEach
    void stopWorkers() {
        if (stateDir != null) {
            Workers.destroyUnder(stateDir);
        }
    }

    @Test
    void aTryThatNeverBecomesReadyIsRolledBackAcrossARestartOfTheReconciler() throws Exception {
        Path images = Path.of(System.getProperty("celadon-test.images", "../image-builder/target/images")).toAbsolutePath();
        assertThat(images.resolve("tiny/vmlinuz")).as("the tiny guest; run `make guest`").exists();
        stateDir = root.resolve("state");
        TestRepo repo = TestRepo.create(root.resolve("git"), "fleet.git");
        repo.write("partitions.d/try.yaml", partition(1, "console=ttyS0 no_timer_check cryptomgr.notests celadon.hostname=before"));
        String good = repo.commitAndPush("the machine that works");

        try (GitDaemon daemon = GitDaemon.start(root.resolve("git"));
             ReconcilerProcess reconciler = ReconcilerProcess.start(Map.of(
                     "CELADON_GIT_URL", daemon.url(repo),
                     "CELADON_GIT_POLL_INTERVAL", "1s",
                     "CELADON_STATE_DIR", stateDir.toString(),
                     "CELADON_IMAGES_DIRS", images.toString(),
                     "CELADON_HYPERVISOR_ACCEL", "tcg"), root.resolve("reconciler.log"))) {
            StatusClient status = new StatusClient(() -> reconciler.url(""));
            await("the first machine Ready").atMost(CONVERGE).pollInterval(Duration.ofMillis(500))
                    .until(() -> ready(status) && "before".equals(guest(status).path("hostname").asText()));
            long firstPid = status.pid("try");

            // The agent never answers: the kernel runs a shell instead of the guest's init.
            repo.write("partitions.d/try.yaml", partition(2, "console=ttyS0 no_timer_check cryptomgr.notests rdinit=/bin/sh celadon.hostname=after"));
            String bad = repo.commitAndPush("a machine that never becomes Ready");
            await("the change applied, on trial").atMost(CONVERGE).pollInterval(Duration.ofMillis(500)).until(() ->
                    status.pid("try") != firstPid && status.pid("try") != 0
                            && worker(status).path("cpus").asInt() == 2
                            && status.condition("try", "RolledBack").map(c -> c.path("reason").asText()).orElse("").equals("Trying"));
            long triedPid = status.pid("try");
            Instant planned = at(event(status, "ActionPlanned", bad));

            // A restart of the reconciler in the middle of the try: the deadline is in the ledger, not started afresh.
            reconciler.stop();
            reconciler.restart();
            assertThat(status.pid("try")).as("the tried worker outlives the reconciler").isEqualTo(triedPid);
            // A restarted reconciler has not asked the guest yet: for 15 s (three heartbeat intervals) a deadline waits.
            assertThat(Instant.now().plusSeconds(15)).as("the restarted reconciler can ask the guest before the deadline")
                    .isBefore(planned.plus(TIMEOUT));

            await("rolled back").atMost(TIMEOUT.plus(CONVERGE)).pollInterval(Duration.ofMillis(500)).until(() ->
                    status.condition("try", "RolledBack").map(c -> c.path("status").asText()).orElse("").equals("True"));
            JsonNode failed = event(status, "ActionFailed", bad);
            assertThat(failed.path("reason").asText()).isEqualTo("NotReady");
            assertThat(failed.path("action").asText()).isEqualTo("restart");
            assertThat(Duration.between(planned, at(failed)))
                    .as("judged at the deadline, within one poll and one pass after it")
                    .isBetween(TIMEOUT, TIMEOUT.plus(POLL).plus(Duration.ofSeconds(2)));

            await("the old machine runs again and is Ready").atMost(CONVERGE).pollInterval(Duration.ofMillis(500)).until(() ->
                    status.pid("try") != triedPid && status.pid("try") != 0 && ready(status)
                            && "before".equals(guest(status).path("hostname").asText()));
            assertThat(worker(status).path("cpus").asInt()).as("QEMU's vCPUs (query-cpus-fast)").isEqualTo(1);
            JsonNode partition = status.partition("try").orElseThrow();
            assertThat(partition.path("revision").asText()).as("the revision its machine is from").isEqualTo(good);
            JsonNode rolledBack = status.condition("try", "RolledBack").orElseThrow();
            assertThat(rolledBack.path("reason").asText()).isEqualTo("NotReady");
            assertThat(rolledBack.path("message").asText()).contains(bad, good);
            assertThat(status.status().path("source").path("revision").asText()).as("the revision in force").isEqualTo(bad);

            await("the rollback in the history").atMost(CONVERGE).pollInterval(Duration.ofMillis(500))
                    .until(() -> events(status).stream().anyMatch(e -> e.path("type").asText().equals("ActionRolledBack")));
            List<String> history = events(status).stream().filter(e -> "try".equals(e.path("partition").asText())
                            && bad.equals(e.path("revision").asText()))
                    .map(e -> e.path("type").asText() + " " + e.path("action").asText()).toList();
            assertThat(history).containsSubsequence("ActionPlanned restart", "ActionApplied restart",
                    "ActionFailed restart", "ActionRolledBack restart");
            assertThat(status.get("/q/metrics").body())
                    .contains("celadon_actions_total{action=\"restart\",outcome=\"rolled-back\"} 1.0");
            assertThat(status.get("/").body()).contains("Rolled back: ");

            // A commit that does not touch the partition: it stays on the old machine, nothing is tried again.
            long restoredPid = status.pid("try");
            int planned1 = count(status, "ActionPlanned");
            repo.write("partitions.d/README.md", "unrelated\n");
            String unrelated = repo.commitAndPush("an unrelated change");
            await("the unrelated revision in force").atMost(CONVERGE).pollInterval(Duration.ofMillis(500))
                    .until(() -> unrelated.equals(status.status().path("source").path("revision").asText()));
            Thread.sleep(5_000);
            assertThat(status.pid("try")).isEqualTo(restoredPid);
            assertThat(count(status, "ActionPlanned")).as("nothing planned again").isEqualTo(planned1);
            assertThat(status.condition("try", "RolledBack").orElseThrow().path("status").asText()).isEqualTo("True");
        }
    }

    private static String partition(int cpus, String cmdline) {
        return """
                apiVersion: celadon.dev/v1alpha1
                kind: Partition
                metadata:
                  name: try
                spec:
                  cpus: %d
                  memory: 128Mi
                  boot:
                    kernel: tiny/vmlinuz
                    initrd: tiny/initrd.img
                    cmdline: %s
                  shutdownGracePeriod: 10s
                  rollout: {strategy: Try}
                """.formatted(cpus, cmdline);
    }

    private static boolean ready(StatusClient status) {
        return status.condition("try", "GuestReady").map(c -> c.path("status").asText()).orElse("").equals("True");
    }

    private static JsonNode guest(StatusClient status) {
        return status.partition("try").orElseThrow().path("guest");
    }

    private static JsonNode worker(StatusClient status) {
        return status.partition("try").orElseThrow().path("worker");
    }

    private static List<JsonNode> events(StatusClient status) throws Exception {
        return StreamSupport.stream(JSON.readTree(status.get("/status/events").body()).path("events").spliterator(), false).toList();
    }

    private static JsonNode event(StatusClient status, String type, String revision) throws Exception {
        return events(status).stream().filter(e -> type.equals(e.path("type").asText()) && "try".equals(e.path("partition").asText())
                && revision.equals(e.path("revision").asText())).findFirst().orElseThrow(() -> new AssertionError("no " + type));
    }

    private static int count(StatusClient status, String type) throws Exception {
        return (int) events(status).stream().filter(e -> type.equals(e.path("type").asText())).count();
    }

    private static Instant at(JsonNode event) {
        return Instant.parse(event.path("at").asText());
    }
}
