package dev.celadon.reconciler.plan;

import dev.celadon.reconciler.spec.DeletionPolicy;

import java.time.Duration;

/**
 * What the reconciler remembers of a partition it applied, kept on disk so it outlives the process:
 * after a spec leaves Git, only this says whether the partition was protected and what happens to
 * its disks; restart counts survive a reconciler restart.
 *
 * @param consecutiveFailures restarts after failure since the worker last ran healthy for long enough;
 *                            the exponent of the next crash backoff
 * @param trial               its Try rollout, open or rolled back; null when none ({@link Rollouts})
 */
public record LedgerEntry(String revision, boolean protectedFromDeletion, DeletionPolicy deletionPolicy,
                          Duration shutdownGracePeriod, int restarts, int consecutiveFailures, Trial trial) {

    /** An entry without a trial. */
    public LedgerEntry(String revision, boolean protectedFromDeletion, DeletionPolicy deletionPolicy,
                       Duration shutdownGracePeriod, int restarts, int consecutiveFailures) {
        this(revision, protectedFromDeletion, deletionPolicy, shutdownGracePeriod, restarts, consecutiveFailures, null);
    }

    public LedgerEntry withSpec(String revision, boolean protectedFromDeletion, DeletionPolicy deletionPolicy,
                                Duration grace) {
        return new LedgerEntry(revision, protectedFromDeletion, deletionPolicy, grace, restarts, consecutiveFailures, trial);
    }

    public LedgerEntry afterRestart(int backoffExponent) {
        return new LedgerEntry(revision, protectedFromDeletion, deletionPolicy, shutdownGracePeriod, restarts + 1,
                backoffExponent + 1, trial);
    }

    public LedgerEntry withTrial(Trial value) {
        return new LedgerEntry(revision, protectedFromDeletion, deletionPolicy, shutdownGracePeriod, restarts,
                consecutiveFailures, value);
    }
}
