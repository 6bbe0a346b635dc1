package dev.celadon.reconciler.plan;

/**
 * What a pass does to a partition's {@link Trial}: the planner decides, the loop records it in the ledger and
 * the history. At most one per partition and pass.
 */
public sealed interface RolloutStep {

    /** A change under Try: the trial starts when the loop dispatches the change, not before. */
    record Begin(Trial trial) implements RolloutStep {
    }

    /** The changed partition is Ready in time: it keeps the change, and the trial is over. */
    record Succeeded(Trial trial) implements RolloutStep {
    }

    /** Not Ready by the deadline: the previous machine is to be restored ({@link Trial.Phase#ROLLING_BACK}). */
    record Failed(Trial trial) implements RolloutStep {
    }

    /** The previous machine runs again ({@link Trial.Phase#ROLLED_BACK}). */
    record Restored(Trial trial) implements RolloutStep {
    }

    /** Git changed the partition (its machine, its rollout, its runState): the trial no longer applies. */
    record Dropped(Trial trial) implements RolloutStep {
    }
}
