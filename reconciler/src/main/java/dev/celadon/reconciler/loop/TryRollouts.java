package dev.celadon.reconciler.loop;

import dev.celadon.hypervisor.PartitionName;
import dev.celadon.hypervisor.WorkerStatus;
import dev.celadon.reconciler.plan.Action;
import dev.celadon.reconciler.plan.LedgerEntry;
import dev.celadon.reconciler.plan.Plan;
import dev.celadon.reconciler.plan.TrialReadiness;
import dev.celadon.reconciler.plan.RolloutStep;
import dev.celadon.reconciler.plan.Trial;
import dev.celadon.reconciler.status.Event;
import dev.celadon.reconciler.status.EventType;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The loop's side of Try rollouts (DESIGN.md §3 "Rollout"): asks whether partitions on trial are Ready, and
 * records what the planner decided about their trials in the ledger (before anything is applied, so a restart
 * of the reconciler finds the trial and its deadline) and in the history. Loop thread only.
 */
final class TryRollouts {

    private static final Logger LOG = Logger.getLogger(TryRollouts.class);

    private final Ledger ledger;
    private final LoopListener listener;
    /**
     * Until then a partition that is not Ready is not known to be not Ready: this reconciler has not asked its
     * guest yet (guest answers are not kept across a restart), so a deadline that passed while it was down waits.
     */
    private final Instant judgedFrom;

    TryRollouts(Ledger ledger, LoopListener listener, Instant started) {
        this.ledger = ledger;
        this.listener = listener;
        this.judgedFrom = started.plus(Readiness.HEARTBEAT_STALE);
    }

    /** Whether each partition whose trial is open is Ready, from this pass's {@link Readiness} verdicts. */
    Map<PartitionName, TrialReadiness> readiness(Map<PartitionName, WorkerStatus> workers,
                                                 Map<PartitionName, Readiness.Verdict> verdicts, Instant now) {
        Map<PartitionName, TrialReadiness> found = new HashMap<>();
        ledger.entries().forEach((name, entry) -> {
            if (entry.trial() != null && entry.trial().phase() == Trial.Phase.TRYING) {
                found.put(name, readiness(workers.get(name), verdicts.get(name), now));
            }
        });
        return found;
    }

    /** A Try rollout waits for the partition's {@code Ready} (its {@code spec.readiness}), as dependsOn does. */
    private TrialReadiness readiness(WorkerStatus worker, Readiness.Verdict verdict, Instant now) {
        if (worker == null || verdict == null) {
            return TrialReadiness.notReady("no worker process");
        }
        if (verdict.ready()) {
            return TrialReadiness.READY;
        }
        return now.isBefore(judgedFrom) ? TrialReadiness.notYetKnown("not asked yet since the reconciler started")
                : TrialReadiness.notReady(verdict.reason());
    }

    /**
     * Records the plan's trial steps but {@link RolloutStep.Begin} (see {@link #dispatched}).
     *
     * @return the partitions whose change was given up: their apply failures no longer hold back what comes next
     */
    List<PartitionName> record(Plan plan, Instant now) {
        List<PartitionName> givenUp = new ArrayList<>();
        plan.rollouts().forEach((name, step) -> {
            LedgerEntry entry = ledger.get(name);
            if (entry == null) {
                return;
            }
            switch (step) {
                case RolloutStep.Begin ignored -> { }
                case RolloutStep.Succeeded succeeded -> {
                    LOG.infof("%s: Ready within its rollout timeout: revision %s is kept", name, succeeded.trial().revision());
                    ledger.put(name, entry.withTrial(null));
                }
                case RolloutStep.Dropped dropped -> ledger.put(name, entry.withTrial(null));
                case RolloutStep.Failed failed -> {
                    Trial trial = failed.trial();
                    LOG.warnf("%s: %s; restoring the machine of revision %s", name, trial.message(), trial.previousRevision());
                    ledger.put(name, entry.withTrial(trial));
                    givenUp.add(name);
                    listener.recorded(Event.action(EventType.ActionFailed, now, name.value(), trial.revision(), trial.action(),
                            trial.reason(), trial.message() + "; restoring the machine of revision " + trial.previousRevision(),
                            Duration.between(trial.since(), now)));
                }
                case RolloutStep.Restored restored -> {
                    Trial trial = restored.trial();
                    ledger.put(name, entry.withTrial(trial));
                    listener.recorded(Event.action(EventType.ActionRolledBack, now, name.value(), trial.revision(),
                            trial.action(), trial.reason(), "the machine of revision " + trial.previousRevision()
                                    + " runs again (undone: " + trial.change() + "); it stays until Git changes the partition",
                            Duration.between(trial.at(), now)));
                }
            }
        });
        return givenUp;
    }

    /**
     * A change is dispatched: a trial the plan begins for it is written to the ledger before the apply starts,
     * so that its deadline counts from now and survives a restart of the reconciler.
     */
    void dispatched(Action action, Optional<RolloutStep> step) {
        if (step.orElse(null) instanceof RolloutStep.Begin begin && ledger.get(action.name()) != null) {
            ledger.put(action.name(), ledger.get(action.name())
                    .withTrial(begin.trial().dispatched(ActionEvents.name(action), action.describe())));
        }
    }

    /** The revision a partition follows: while rolled back, the one its machine came from. */
    static String revisionInForce(LedgerEntry entry, String desired) {
        return entry != null && entry.trial() != null && entry.trial().restoring() ? entry.trial().previousRevision() : desired;
    }
}
