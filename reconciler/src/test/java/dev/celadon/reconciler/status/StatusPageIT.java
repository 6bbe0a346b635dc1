package dev.celadon.reconciler.status;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static dev.celadon.reconciler.status.StatusFixtures.GOOD_REVISION;
import static dev.celadon.reconciler.status.StatusFixtures.SCRIPT;
import static dev.celadon.reconciler.status.StatusFixtures.SECRET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The status page in a real browser (headless Chromium): what people see after the page's script has run,
 * that committer-written text stays text, and that the page follows a new status by itself, without a
 * reload. Screenshots land in {@code target/} for a look.
 */
@QuarkusTest
class StatusPageIT {

    @Inject
    StatusStore store;

    @Inject
    EventHistory history;

    @TestHTTPResource("/")
    URI page;

    @Test
    void showsTheStatusAndFollowsItWithoutReloading() throws Exception {
        store.publish(StatusFixtures.troubled());
        Event failed = history.record(Event.action(EventType.ActionFailed, java.time.Instant.now(), "web-02", GOOD_REVISION,
                "start", "WorkerLaunch", "qemu exited: " + SCRIPT, Duration.ofMillis(1500)));

        try (HeadlessChromium chromium = HeadlessChromium.open(page, 1400, 900)) {
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> "Failed".equals(chromium.text("tr[data-partition='web-02'] .phase")));

            assertThat(chromium.text("h1")).isEqualTo("Celadon host-a");
            assertThat(chromium.text("#accel")).isEqualTo("tcg");
            assertThat(chromium.text("#revision")).isEqualTo(GOOD_REVISION);
            assertThat(chromium.text("tr[data-partition='web-01'] .phase")).isEqualTo("Running");
            assertThat(chromium.text("tr[data-partition='web-01'] .revision")).isEqualTo("0123456");
            assertThat(chromium.text("tr[data-partition='web-02'] .pending")).isEqualTo("restart: cpus 1 → 2");
            assertThat(chromium.text("#stale")).contains("Stale:", "connection refused");
            assertThat(chromium.text("#errors li"))
                    .isEqualTo("partitions.d/web.yaml:7:10: spec.cpus: must be at least 1 " + SCRIPT);
            assertThat(chromium.text("tr[data-partition='web-02'] .conditions")).contains("qemu exited: " + SCRIPT);
            // A worker that runs with no guest up is not a healthy green Running, and the page says why.
            assertThat(chromium.text("tr[data-partition='boot-01'] .phase")).isEqualTo("Running, guest not ready");
            assertThat(chromium.text("tr[data-partition='boot-01'] .guest-reason")).startsWith("NoHeartbeat: ");
            assertThat(chromium.evaluate("getComputedStyle(document.querySelector(\"tr[data-partition='boot-01'] .phase\"))"
                    + ".backgroundColor !== getComputedStyle(document.querySelector(\"tr[data-partition='web-01'] .phase\"))"
                    + ".backgroundColor").asBoolean()).as("not the healthy badge's colour").isTrue();
            assertThat(chromium.text("tr[data-partition='web-01'] .resources")).isEqualTo("2 vCPUs · 512 MiB, balloon 256 MiB");
            assertThat(chromium.text("tr[data-partition='web-02'] span.last-seen")).startsWith("last seen ");
            assertThat(chromium.evaluate("document.querySelector(\"tr[data-partition='web-02'] a.console\").href").asText())
                    .endsWith("/status/partitions/web-02/console");
            String failedRow = "#events tr[data-event='" + failed.id() + "']";
            assertThat(chromium.text(failedRow + " .type")).isEqualTo("ActionFailed");
            assertThat(chromium.text(failedRow + " .reason")).isEqualTo("WorkerLaunch: qemu exited: " + SCRIPT);
            assertThat(chromium.text(failedRow + " .took")).isEqualTo("1.5 s");
            // Hostile text is shown, never run: the only script is the page's own.
            assertThat(chromium.evaluate("document.scripts.length").asInt()).isEqualTo(1);
            assertThat(chromium.evaluate("window.pwned === undefined").asBoolean()).isTrue();
            assertThat(chromium.evaluate("document.documentElement.outerHTML").asText()).doesNotContain(SECRET);
            Files.write(Path.of("target", "status-page-troubled.png"), chromium.screenshot());

            chromium.evaluate("window.sameDocument = true");
            store.publish(StatusFixtures.healthy());
            Event applied = history.record(Event.action(EventType.ActionApplied, java.time.Instant.now(), "web-02",
                    GOOD_REVISION, "start", null, "start: new partition", Duration.ofMillis(800)));

            await().atMost(Duration.ofSeconds(10))
                    .until(() -> "Stopped".equals(chromium.text("tr[data-partition='db-01'] .phase")));
            assertThat(chromium.text("#stale")).isNull();
            assertThat(chromium.text("#errors")).isNull();
            assertThat(chromium.text("#summary")).isEqualTo("2 desired1 running0 failed");
            assertThat(chromium.text("#connection")).isEmpty();
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    "ActionApplied".equals(chromium.text("#events tr[data-event='" + applied.id() + "'] .type")));
            assertThat(chromium.evaluate("window.sameDocument === true").asBoolean())
                    .as("refreshed in place, not reloaded").isTrue();
            Files.write(Path.of("target", "status-page-healthy.png"), chromium.screenshot());
        }
    }
}
