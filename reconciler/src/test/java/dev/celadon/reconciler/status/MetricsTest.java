package dev.celadon.reconciler.status;

import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.regex.MatchResult;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.restassured.RestAssured.when;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** {@code /q/metrics}: partitions by phase from the current document, and what the loop records. */
@QuarkusTest
class MetricsTest {

    @Inject
    StatusStore store;

    @Inject
    ReconcileMetrics metrics;

    @Test
    void partitionsByPhaseFollowTheCurrentDocument() {
        store.publish(StatusFixtures.troubled());

        String scrape = scrape();
        assertThat(value(scrape, "celadon_partitions{phase=\"Running\"}")).isEqualTo(2.0);
        assertThat(value(scrape, "celadon_partitions{phase=\"Failed\"}")).isEqualTo(1.0);
        assertThat(value(scrape, "celadon_partitions{phase=\"Stopped\"}")).isEqualTo(0.0);

        store.publish(StatusFixtures.healthy());

        assertThat(value(scrape(), "celadon_partitions{phase=\"Failed\"}")).isEqualTo(0.0);
        assertThat(value(scrape(), "celadon_partitions{phase=\"Stopped\"}")).isEqualTo(1.0);
    }

    @Test
    void reconcileDurationsAndSyncResultsAreCounted() {
        String before = scrape();
        double okBefore = value(before, "celadon_git_sync_total{result=\"ok\"}");
        double passesBefore = value(before, "celadon_reconcile_duration_seconds_count");

        metrics.recordSync(ReconcileMetrics.SYNC_OK);
        metrics.recordSync(ReconcileMetrics.SYNC_OK);
        metrics.recordReconcile(Duration.ofMillis(250));

        String after = scrape();
        assertThat(value(after, "celadon_git_sync_total{result=\"ok\"}")).isEqualTo(okBefore + 2);
        assertThat(value(after, "celadon_reconcile_duration_seconds_count")).isEqualTo(passesBefore + 1);
        assertThat(after).contains("celadon_reconcile_duration_seconds_sum", "celadon_reconcile_duration_seconds_max",
                "celadon_git_sync_total{result=\"unchanged\"}", "celadon_git_sync_total{result=\"error\"}",
                "celadon_git_sync_total{result=\"invalid\"}", "celadon_git_sync_total{result=\"refused\"}");
    }

    @Test
    void anUnknownSyncResultIsRefused() {
        assertThatIllegalArgumentException().isThrownBy(() -> metrics.recordSync("whatever"))
                .withMessageContaining("whatever");
    }

    @Test
    void onlyCeladonsOwnMetricsAreExported() {
        // The JVM, system and HTTP binders are off (application.properties): they cost start time.
        assertThat(Pattern.compile("(?m)^[a-z_]+").matcher(scrape()).results().map(MatchResult::group).distinct())
                .isNotEmpty().allMatch(name -> name.startsWith("celadon_"));
    }

    private static String scrape() {
        return when().get("/q/metrics").then().statusCode(200).extract().asString();
    }

    /** The value of the sample named exactly {@code series} (name and labels as the exposition writes them). */
    private static double value(String scrape, String series) {
        Matcher sample = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(scrape);
        assertThat(sample.find()).as("%s in%n%s", series, scrape).isTrue();
        return Double.parseDouble(sample.group(1));
    }
}
