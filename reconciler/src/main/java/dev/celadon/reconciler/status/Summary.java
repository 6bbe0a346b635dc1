package dev.celadon.reconciler.status;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * Counts over the partitions of this appliance.
 *
 * @param desired how many Git wants running ({@code runState: Running}); declared Stopped ones are not counted
 * @param running how many have a running worker (phase {@code Running})
 * @param failed  how many failed: phase {@code Failed} (crashed, or a spec the host refuses), or their last
 *                apply failed and is being retried (a {@code ReconcileFailed} condition that is not a busy worker)
 */
@RegisterForReflection
public record Summary(int desired, int running, int failed) {
}
