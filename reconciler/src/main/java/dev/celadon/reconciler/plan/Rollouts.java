package dev.celadon.reconciler.plan;

import dev.celadon.hypervisor.DiskConfig;
import dev.celadon.hypervisor.PartitionName;
import dev.celadon.hypervisor.VmConfig;
import dev.celadon.hypervisor.WorkerStatus;
import dev.celadon.hypervisor.qemu.VmConfigJson;
import dev.celadon.reconciler.spec.Durations;
import dev.celadon.reconciler.spec.Partition;
import dev.celadon.reconciler.spec.RunState;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Try rollouts (DESIGN.md §3 "Rollout"), as part of the planner: pure, every situation a table row. A change
 * that restarts or live-updates a partition whose {@code rollout.strategy} is {@code Try} starts a {@link Trial};
 * if the partition is not Ready by its deadline, the planner plans toward the previous machine instead of Git's,
 * and keeps doing so until Git changes the partition's spec.
 */
final class Rollouts {

    /** What the planner does for one partition, and what becomes of its trial. */
    record Decision(Action action, Optional<RolloutStep> step) {
    }

    private Rollouts() {
    }

    /**
     * @param plan the planner's decision for a partition as given (Git's, or the previous machine's)
     */
    static Decision decide(Partition partition, WorkerStatus worker, LedgerEntry entry, TrialReadiness readiness,
                           String revision, Instant now, Function<Partition, Action> plan) {
        Trial trial = entry == null ? null : entry.trial();
        if (trial == null || !appliesTo(trial, partition)) {
            Action action = plan.apply(partition);
            Optional<RolloutStep> step = begin(partition, action, worker, entry, trial, revision, now);
            if (step.isEmpty() && trial != null) {
                step = Optional.of(new RolloutStep.Dropped(trial));
            }
            return new Decision(action, step);
        }
        return switch (trial.phase()) {
            case TRYING -> trying(partition, worker, trial, readiness, now, plan);
            case ROLLING_BACK -> {
                Action action = plan.apply(restoring(partition, trial, worker));
                yield new Decision(action, action instanceof Action.InSync
                        ? Optional.of(new RolloutStep.Restored(trial.restored(now))) : Optional.empty());
            }
            case ROLLED_BACK -> new Decision(plan.apply(restoring(partition, trial, worker)), Optional.empty());
        };
    }

    /** A change that must wait (it does not fit) begins no trial yet: the trial begins when the change does. */
    static Map<PartitionName, RolloutStep> admitted(Map<PartitionName, RolloutStep> steps, List<Action> admitted) {
        Map<PartitionName, RolloutStep> kept = new TreeMap<>(steps);
        for (Action action : admitted) {
            if (action instanceof Action.Wait && kept.get(action.name()) instanceof RolloutStep.Begin) {
                kept.remove(action.name());
            }
        }
        return kept;
    }

    /**
     * What identifies the spec tried: its machine and its timeout. A commit that changes neither (another
     * partition, a label) leaves a rolled-back partition rolled back; one that changes either tries again.
     */
    static String fingerprint(Partition partition) {
        return VmConfigJson.hash(partition.vm()) + " timeout " + Durations.format(partition.rollout().timeout());
    }

    /** The trial is still about what Git asks: Try, Running, and the same spec. */
    private static boolean appliesTo(Trial trial, Partition partition) {
        return partition.rollout().tries() && partition.runState() == RunState.RUNNING
                && trial.tried().equals(fingerprint(partition));
    }

    /**
     * A change under Try begins a trial. Its previous machine is what runs, unless an earlier trial is still open
     * or restoring: then that one's, since a machine that was never Ready is nothing to go back to.
     */
    private static Optional<RolloutStep> begin(Partition partition, Action action, WorkerStatus worker, LedgerEntry entry,
                                               Trial earlier, String revision, Instant now) {
        boolean change = action instanceof Action.Restart || action instanceof Action.UpdateMemory
                || action instanceof Action.GrowDisks;
        if (!partition.rollout().tries() || !change || worker == null) {
            return Optional.empty();
        }
        VmConfig previous = earlier != null ? earlier.previous() : worker.config();
        String previousRevision = earlier != null ? earlier.previousRevision() : entry == null ? null : entry.revision();
        return Optional.of(new RolloutStep.Begin(Trial.trying(revision, fingerprint(partition), previous, previousRevision,
                now, now.plus(partition.rollout().timeout()))));
    }

    private static Decision trying(Partition partition, WorkerStatus worker, Trial trial, TrialReadiness readiness,
                                   Instant now, Function<Partition, Action> plan) {
        boolean alive = worker != null && worker.state().isAlive();
        boolean onTried = alive && worker.config().equals(partition.vm());
        TrialReadiness.State ready = readiness == null ? TrialReadiness.State.NOT_YET_KNOWN : readiness.state();
        if (onTried && ready == TrialReadiness.State.READY) {
            return new Decision(plan.apply(partition), Optional.of(new RolloutStep.Succeeded(trial)));
        }
        if (now.isBefore(trial.deadline()) || (onTried && ready == TrialReadiness.State.NOT_YET_KNOWN)) {
            return new Decision(plan.apply(partition), Optional.empty());
        }
        String within = " within " + Durations.format(partition.rollout().timeout());
        Trial failed;
        if (!alive) {
            failed = trial.failed("NotRunning", "not Ready" + within + ": the worker is not running"
                    + (worker == null ? "" : " (" + worker.state().name().toLowerCase(java.util.Locale.ROOT) + ")"), now);
        } else if (!onTried) {
            failed = trial.failed("NotApplied", "not Ready" + within + ": the change was not applied, "
                    + "the worker still runs another machine", now);
        } else {
            failed = trial.failed("NotReady", "not Ready" + within + " (" + readiness.message() + ")", now);
        }
        return new Decision(plan.apply(restoring(partition, failed, worker)), Optional.of(new RolloutStep.Failed(failed)));
    }

    /**
     * The partition as it is to run while its trial is rolled back: Git's spec with the previous machine, whose
     * disks keep a size the change grew (disks are never shrunk, and their data is the guest's).
     */
    static Partition restoring(Partition partition, Trial trial, WorkerStatus worker) {
        VmConfig previous = trial.previous();
        if (worker == null) {
            return partition.withVm(previous);
        }
        List<DiskConfig> disks = previous.disks().stream().map(disk -> worker.config().disks().stream()
                .filter(running -> running.withSize(0).equals(disk.withSize(0)) && running.sizeBytes() > disk.sizeBytes())
                .findFirst().orElse(disk)).toList();
        return partition.withVm(previous.withDisks(disks));
    }
}
