package dev.celadon.reconciler.status;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** Count and sum since start; the maximum only of the last one to two windows. */
class PassDurationsTest {

    private final AtomicLong now = new AtomicLong(1_000);
    private final PassDurations passes = new PassDurations(now::get);

    @Test
    void countsAndSumsEveryPass() {
        passes.record(Duration.ofMillis(250));
        passes.record(Duration.ofMillis(750));
        later(PassDurations.WINDOW.multipliedBy(5));

        assertThat(passes.totals().count()).isEqualTo(2);
        assertThat(passes.totals().sumSeconds()).isEqualTo(1.0);
    }

    @Test
    void theMaximumIsTheLongestRecentPass() {
        passes.record(Duration.ofSeconds(3));
        passes.record(Duration.ofSeconds(1));
        assertThat(passes.totals().recentMaxSeconds()).isEqualTo(3.0);

        later(PassDurations.WINDOW);
        passes.record(Duration.ofSeconds(2));
        // The window that held the 3 s pass has just turned over: it is still shown.
        assertThat(passes.totals().recentMaxSeconds()).isEqualTo(3.0);

        later(PassDurations.WINDOW);
        assertThat(passes.totals().recentMaxSeconds()).isEqualTo(2.0);

        later(PassDurations.WINDOW.multipliedBy(2));
        assertThat(passes.totals().recentMaxSeconds()).isZero();
    }

    private void later(Duration duration) {
        now.addAndGet(duration.toNanos());
    }
}
