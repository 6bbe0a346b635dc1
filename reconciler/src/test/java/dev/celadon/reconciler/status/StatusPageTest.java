package dev.celadon.reconciler.status;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The page renderer as a pure function: what it shows, what it leaves out. */
class StatusPageTest {

    private static final Instant NOW = StatusFixtures.SYNCED_AT.plusSeconds(3);

    @Test
    void rendersTheDocumentWithAges() {
        String page = StatusPage.render(StatusFixtures.healthy(), NOW);

        assertThat(page).startsWith("<!DOCTYPE html>")
                .contains("<title>host-a · Celadon</title>",
                        "2025-05-01T10:00:00Z (3 s ago)", "title=\"2025-05-01T09:59:59Z\">heartbeat 4 s ago<",
                        "title=\"" + StatusFixtures.GOOD_REVISION + "\">0123456<",
                        "data-refresh-millis=\"2000\"");
    }

    @Test
    void rendersTheEmptyDocumentTheStoreStartsWith() {
        StatusDocument empty = new StatusDocument(new ApplianceInfo("", "", "", Map.of()),
                new SourceStatus("", "", null, null, null, false), List.of(), List.of(), new Summary(0, 0, 0));

        assertThat(StatusPage.render(empty, NOW))
                .contains("none applied yet", "never", "No partitions");
    }

    @Test
    void showsOnlyConditionsThatNeedAttention() {
        PartitionStatus wantsToRun = StatusFixtures.running("web-01", "r");
        PartitionStatus wantsToStop = StatusFixtures.stopped("db-01");

        assertThat(StatusPage.needsAttention(condition(Condition.WORKER_RUNNING, "True"), wantsToRun)).isFalse();
        assertThat(StatusPage.needsAttention(condition(Condition.GUEST_READY, "False"), wantsToRun)).isTrue();
        assertThat(StatusPage.needsAttention(condition(Condition.WORKER_RUNNING, "False"), wantsToStop)).isFalse();
        assertThat(StatusPage.needsAttention(condition(Condition.RESTART_REQUIRED, "True"), wantsToStop)).isTrue();
        assertThat(StatusPage.needsAttention(condition(Condition.RECONCILE_FAILED, "False"), wantsToRun)).isFalse();
    }

    @Test
    void agesAreShortAndRounded() {
        assertThat(StatusPage.age(Duration.ofMillis(400))).isEqualTo("just now");
        assertThat(StatusPage.age(Duration.ofSeconds(-5))).isEqualTo("just now");
        assertThat(StatusPage.age(Duration.ofSeconds(59))).isEqualTo("59 s ago");
        assertThat(StatusPage.age(Duration.ofMinutes(61))).isEqualTo("1 h ago");
        assertThat(StatusPage.age(Duration.ofDays(3))).isEqualTo("3 d ago");
    }

    @Test
    void revisionsAreShortened() {
        assertThat(StatusPage.shortRevision(StatusFixtures.GOOD_REVISION)).isEqualTo("0123456");
        assertThat(StatusPage.shortRevision("abc")).isEqualTo("abc");
        assertThat(StatusPage.shortRevision(null)).isEqualTo("—");
    }

    private static Condition condition(String type, String status) {
        return new Condition(type, status, "Reason", "message", StatusFixtures.SYNCED_AT);
    }
}
