package dev.celadon.reconciler.plan;

import dev.celadon.reconciler.spec.DeletionPolicy;

import java.time.Duration;
import java.util.List;

/**
 * What the reconciler remembers of a partition it applied, kept on disk so it outlives the process:
 * after a spec leaves Git, only this says whether the partition was protected and what happens to
 * its disks; restart counts survive a reconciler restart.
 *
 * @param consecutiveFailures restarts after failure since the worker last ran healthy for long enough;
 *                            the exponent of the next crash backoff
 * @param dependsOn           the partitions it depended on: after it leaves Git, they are stopped only after it
 * @param trial               its Try rollout, open or rolled back; null when none ({@link Rollouts})
 */
public record LedgerEntry(String revision, boolean protectedFromDeletion, DeletionPolicy deletionPolicy,
                          Duration shutdownGracePeriod, int restarts, int consecutiveFailures, List<String> dependsOn,
                          Trial trial) {

    public LedgerEntry {
        // Absent from ledgers written before dependsOn.
        dependsOn = dependsOn == null ? List.of() : List.copyOf(dependsOn);
    }

    /** Without dependencies or a trial. */
    public LedgerEntry(String revision, boolean protectedFromDeletion, DeletionPolicy deletionPolicy,
                       Duration shutdownGracePeriod, int restarts, int consecutiveFailures) {
        this(revision, protectedFromDeletion, deletionPolicy, shutdownGracePeriod, restarts, consecutiveFailures, List.of(),
                null);
    }

    public LedgerEntry withDependsOn(List<String> names) {
        return new LedgerEntry(revision, protectedFromDeletion, deletionPolicy, shutdownGracePeriod, restarts,
                consecutiveFailures, names, trial);
    }

    public LedgerEntry withSpec(String revision, boolean protectedFromDeletion, DeletionPolicy deletionPolicy,
                                Duration grace) {
        return new LedgerEntry(revision, protectedFromDeletion, deletionPolicy, grace, restarts, consecutiveFailures,
                dependsOn, trial);
    }

    public LedgerEntry afterRestart(int backoffExponent) {
        return new LedgerEntry(revision, protectedFromDeletion, deletionPolicy, shutdownGracePeriod, restarts + 1,
                backoffExponent + 1, dependsOn, trial);
    }

    public LedgerEntry withTrial(Trial value) {
        return new LedgerEntry(revision, protectedFromDeletion, deletionPolicy, shutdownGracePeriod, restarts,
                consecutiveFailures, dependsOn, value);
    }
}
