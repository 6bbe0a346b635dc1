package dev.celadon.reconciler.loop;

import com.fasterxml.jackson.databind.JsonNode;
import dev.celadon.reconciler.testing.ReconcilerProcess;
import dev.celadon.reconciler.testing.StatusClient;
import dev.celadon.reconciler.testing.TestRepo;
import dev.celadon.reconciler.testing.Workers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code app} depends on {@code db}, whose readiness is a tcp check on a port the tiny guest opens only
 * {@link #LATE} after its init ran ({@code celadon.listen-late}), behind a user-mode forward that QEMU accepts on
 * the host side from the start, and an exec check through the agent. On the packaged reconciler and real QEMU
 * (TCG): db runs and answers heartbeats while its Ready condition still says the port does not answer; app's
 * worker is launched only after db is Ready; then both run and the gauge says so. Two guest boots in all.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DependsOnIT {

    /** How long after init the db guest opens its port: long past its agent's first heartbeat under TCG. */
    private static final int LATE = 45;
    /** TCG on a busy two-core machine: two boots, one after the other. */
    private static final Duration CONVERGE = Duration.ofMinutes(6);

    private Path stateDir;
    private ReconcilerProcess reconciler;
    private StatusClient status;

    @BeforeAll
    void start() throws IOException {
        Path root = Files.createTempDirectory("celadon-depends");
        stateDir = root.resolve("state");
        int hostPort;
        try (ServerSocket free = new ServerSocket(0)) {
            hostPort = free.getLocalPort();
        }
        TestRepo repo = TestRepo.create(root.resolve("git"), "fleet");
        repo.write("partitions.d/db.yaml", """
                apiVersion: celadon.dev/v1alpha1
                kind: Partition
                metadata: {name: db}
                spec:
                  cpus: 1
                  memory: 128Mi
                  boot:
                    kernel: tiny/vmlinuz
                    initrd: tiny/initrd.img
                    cmdline: console=ttyS0 no_timer_check cryptomgr.notests celadon.listen-late=5432:%d
                  networks: [{name: net0, user: {forwards: [{host: %d, guest: 5432}]}}]
                  readiness: {tcp: {port: 5432}, exec: [sh, -c, "test -d /www"]}
                  shutdownGracePeriod: 20s
                """.formatted(LATE, hostPort));
        repo.write("partitions.d/app.yaml", """
                apiVersion: celadon.dev/v1alpha1
                kind: Partition
                metadata: {name: app}
                spec:
                  cpus: 1
                  memory: 128Mi
                  boot:
                    kernel: tiny/vmlinuz
                    initrd: tiny/initrd.img
                    cmdline: console=ttyS0 no_timer_check cryptomgr.notests
                  dependsOn: [db]
                  shutdownGracePeriod: 20s
                """);
        repo.commitAndPush("db, and app depending on it");
        Path images = Path.of(System.getProperty("celadon-test.images", "../image-builder/target/images"));
        assertThat(images.resolve("tiny/vmlinuz")).as("the tiny guest; run `make guest`").exists();
        reconciler = ReconcilerProcess.start(Map.of(
                "CELADON_GIT_URL", repo.fileUrl(),
                "CELADON_GIT_POLL_INTERVAL", "1s",
                "CELADON_STATE_DIR", stateDir.toString(),
                "CELADON_IMAGES_DIRS", images.toAbsolutePath().toString(),
                "CELADON_HYPERVISOR_ACCEL", "tcg"), root.resolve("reconciler.log"));
        status = new StatusClient(() -> reconciler.url(""));
    }

    @AfterAll
    void stopEverything() {
        if (reconciler != null) {
            reconciler.close();
        }
        Workers.destroyUnder(stateDir);
    }

    /** One look at both partitions. */
    private record Seen(Instant at, boolean dbHeartbeat, boolean dbReady, String dbReadyMessage, long appPid,
                        String appPending) {
    }

    @Test
    void appIsLaunchedOnlyOnceDbAnswersOnItsLatePort() {
        List<Seen> seen = new ArrayList<>();
        await("app Running after db is Ready").atMost(CONVERGE).pollInterval(Duration.ofMillis(500))
                .ignoreExceptions().until(() -> {
            JsonNode document = status.status();
            JsonNode db = partition(document, "db");
            JsonNode app = partition(document, "app");
            JsonNode ready = condition(db, "Ready");
            seen.add(new Seen(Instant.now(), "True".equals(condition(db, "GuestReady").path("status").asText()),
                    "True".equals(ready.path("status").asText()), ready.path("message").asText(),
                    app.path("worker").path("pid").asLong(0), app.path("pending").asText(null)));
            return "Running".equals(app.path("phase").asText());
        });

        assertThat(seen).as("db answered heartbeats while its late port did not answer yet: QEMU's own accept"
                        + " of the forwarded connection did not count")
                .anySatisfy(s -> {
                    assertThat(s.dbHeartbeat()).isTrue();
                    assertThat(s.dbReady()).isFalse();
                    assertThat(s.dbReadyMessage()).isEqualTo("waiting: tcp 5432 no answer");
                    assertThat(s.appPending()).isEqualTo("waiting for db: not Ready (tcp 5432 no answer)");
                });
        Seen firstAppWorker = seen.stream().filter(s -> s.appPid() != 0).findFirst().orElseThrow();
        assertThat(seen.stream().filter(Seen::dbReady).findFirst())
                .as("db seen Ready no later than app's first worker").get()
                .satisfies(s -> assertThat(s.at()).isBeforeOrEqualTo(firstAppWorker.at()));
        Instant dbReadySince = Instant.parse(condition(partition(status.status(), "db"), "Ready").path("since").asText());
        JsonNode appCreated = plannedCreate("app");
        assertThat(Instant.parse(appCreated.path("at").asText())).as("app's create planned after db became Ready")
                .isAfterOrEqualTo(dbReadySince);
        assertThat(status.get("/q/metrics").body())
                .contains("celadon_partition_ready{partition=\"db\"} 1")
                .containsPattern("celadon_partition_ready\\{partition=\"app\"\\} [01]");
    }

    private JsonNode plannedCreate(String name) {
        JsonNode events;
        try {
            events = new com.fasterxml.jackson.databind.ObjectMapper().readTree(status.get("/status/events").body()).path("events");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        for (JsonNode event : events) {
            if ("ActionPlanned".equals(event.path("type").asText()) && name.equals(event.path("partition").asText())
                    && "create".equals(event.path("action").asText())) {
                return event;
            }
        }
        throw new AssertionError("no ActionPlanned create of " + name + " in " + events);
    }

    private static JsonNode partition(JsonNode document, String name) {
        for (JsonNode p : document.path("partitions")) {
            if (name.equals(p.path("name").asText())) {
                return p;
            }
        }
        return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }

    private static JsonNode condition(JsonNode partition, String type) {
        for (JsonNode c : partition.path("conditions")) {
            if (type.equals(c.path("type").asText())) {
                return c;
            }
        }
        return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }
}
