package dev.celadon.reconciler.loop;

import dev.celadon.hypervisor.Retry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** The apply retry schedule: 2 s, ×2, capped at 5 min; busy workers requeue; stalls wait for a new revision. */
class ApplyFailureTest {

    private static final Instant NOW = Instant.parse("2026-11-23T12:00:00Z");

    @ParameterizedTest(name = "attempt {0} waits {1}s")
    @CsvSource({"1, 2", "2, 4", "3, 8", "4, 16", "5, 32", "6, 64", "7, 128", "8, 256", "9, 300", "30, 300"})
    void backoffDoublesFromTwoSecondsUpToFiveMinutes(int attempt, long seconds) {
        assertThat(ApplyFailure.backoff(attempt)).isEqualTo(Duration.ofSeconds(seconds));
    }

    @Test
    void eachFailureCountsAnAttempt() {
        ApplyFailure first = ApplyFailure.next(null, Retry.BACKOFF, "WorkerLaunch", "boom", "r1", NOW);
        ApplyFailure second = ApplyFailure.next(first, Retry.BACKOFF, "WorkerLaunch", "boom", "r1", NOW);
        assertThat(first.retryAt()).isEqualTo(NOW.plusSeconds(2));
        assertThat(second.attempts()).isEqualTo(2);
        assertThat(second.retryAt()).isEqualTo(NOW.plusSeconds(4));
        assertThat(second.allowsRetry(NOW.plusSeconds(3), "r1")).isFalse();
        assertThat(second.allowsRetry(NOW.plusSeconds(4), "r1")).isTrue();
    }

    @Test
    void aBusyWorkerRequeuesWithoutBackingOff() {
        ApplyFailure busy = ApplyFailure.next(null, Retry.REQUEUE, "WorkerBusy", "starting", "r1", NOW);
        busy = ApplyFailure.next(busy, Retry.REQUEUE, "WorkerBusy", "starting", "r1", NOW);
        assertThat(busy.retryAt()).isEqualTo(NOW.plusSeconds(1));
    }

    @Test
    void aStallWaitsForANewRevisionHoweverLong() {
        ApplyFailure stall = ApplyFailure.next(null, Retry.STALL, "InvalidVmConfig", "no kernel", "r1", NOW);
        assertThat(stall.allowsRetry(NOW.plus(Duration.ofDays(1)), "r1")).isFalse();
        assertThat(stall.allowsRetry(NOW, "r2")).isTrue();
    }

    @Test
    void aFailureWaitingForAFileMayTryAgainAsSoonAsTheFileIsThere(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path kernel = dir.resolve("vmlinuz");
        ApplyFailure missing = ApplyFailure.next(null, Retry.BACKOFF, "HostFileMissing", "not found", "r1", NOW)
                .awaiting(java.util.List.of(dir.resolve("elsewhere"), kernel));
        assertThat(missing.allowsRetry(NOW.plusSeconds(1), "r1")).isFalse();
        java.nio.file.Files.writeString(kernel, "");
        assertThat(missing.allowsRetry(NOW.plusSeconds(1), "r1")).isTrue();
    }
}
