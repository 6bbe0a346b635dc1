package dev.celadon.reconciler.loop;

import dev.celadon.hypervisor.Retry;

import java.time.Duration;
import java.time.Instant;

/**
 * The last failed apply of a partition and when to try again: transient failures back off 2 s, ×2,
 * capped at 5 min; a stall waits for a new revision.
 */
record ApplyFailure(int attempts, Instant retryAt, Retry retry, String reason, String message, String revision) {

    static final Duration BASE = Duration.ofSeconds(2);
    static final Duration CAP = Duration.ofMinutes(5);
    static final Duration REQUEUE = Duration.ofSeconds(1);

    static ApplyFailure next(ApplyFailure previous, Retry retry, String reason, String message, String revision,
                             Instant now) {
        int attempts = previous == null ? 1 : previous.attempts() + 1;
        Duration wait = switch (retry) {
            case REQUEUE -> REQUEUE;
            case BACKOFF, STALL -> backoff(attempts);
        };
        return new ApplyFailure(attempts, now.plus(wait), retry, reason, message, revision);
    }

    static Duration backoff(int attempts) {
        Duration delay = BASE.multipliedBy(1L << Math.min(attempts - 1, 20));
        return delay.compareTo(CAP) > 0 ? CAP : delay;
    }

    /** May the loop try again now, in this revision? */
    boolean allowsRetry(Instant now, String currentRevision) {
        if (retry == Retry.STALL) {
            return !revision.equals(currentRevision);
        }
        return !now.isBefore(retryAt);
    }
}
