package dev.celadon.reconciler.loop;

import dev.celadon.hypervisor.Retry;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The last failed apply of a partition and when to try again: transient failures back off 2 s, ×2,
 * capped at 5 min, or try at once when a file they wait for appears; a stall waits for a new revision.
 *
 * @param awaited files whose absence failed the apply: any of them appearing is worth a try at once
 */
record ApplyFailure(int attempts, Instant retryAt, Retry retry, String reason, String message, String revision,
                    List<Path> awaited) {

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
        return new ApplyFailure(attempts, now.plus(wait), retry, reason, message, revision, List.of());
    }

    static Duration backoff(int attempts) {
        Duration delay = BASE.multipliedBy(1L << Math.min(attempts - 1, 20));
        return delay.compareTo(CAP) > 0 ? CAP : delay;
    }

    ApplyFailure awaiting(List<Path> files) {
        return new ApplyFailure(attempts, retryAt, retry, reason, message, revision, List.copyOf(files));
    }

    /** May the loop try again now, in this revision? */
    boolean allowsRetry(Instant now, String currentRevision) {
        if (retry == Retry.STALL) {
            return !revision.equals(currentRevision);
        }
        return !now.isBefore(retryAt) || awaited.stream().anyMatch(Files::exists);
    }
}
