package dev.celadon.reconciler.plan;

import dev.celadon.hypervisor.PartitionName;
import dev.celadon.hypervisor.StopInfo;
import dev.celadon.hypervisor.StopReason;
import dev.celadon.hypervisor.VmConfig;
import dev.celadon.hypervisor.WorkerStatus;
import dev.celadon.reconciler.spec.DeletionPolicy;
import dev.celadon.reconciler.spec.Partition;
import dev.celadon.reconciler.spec.Quantities;
import dev.celadon.reconciler.spec.RunState;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The pure heart of the reconciler: {@code (desired, observed, context) → plan}. No I/O and no clock
 * of its own, so every decision is a row in a table test. Partitions are decided in name order, which
 * also decides who gets the memory when not everyone fits.
 */
public final class Planner {

    /** The first restart after a failure waits this long; each further one twice as long as the last. */
    static final Duration RESTART_BACKOFF_BASE = Duration.ofSeconds(10);
    static final Duration RESTART_BACKOFF_CAP = Duration.ofMinutes(5);
    /** A worker that ran this long before it stopped was healthy: its backoff starts over. */
    static final Duration HEALTHY_RUN = Duration.ofMinutes(10);

    private Planner() {
    }

    public static Plan plan(Desired desired, Observed observed, PlanContext context) {
        if (desired.revision() == null) {
            return hold(observed);
        }
        Map<PartitionName, Partition> placed = desired.placedOn(context.applianceName(), context.applianceLabels())
                .collect(Collectors.toMap(Partition::name, Function.identity(), (a, b) -> a, TreeMap::new));

        TreeSet<PartitionName> names = new TreeSet<>(placed.keySet());
        names.addAll(observed.workers().keySet());

        List<Action> decided = new ArrayList<>();
        Map<PartitionName, RolloutStep> rollouts = new TreeMap<>();
        for (PartitionName name : names) {
            Partition partition = placed.get(name);
            WorkerStatus worker = observed.workers().get(name);
            LedgerEntry ledger = observed.ledger().get(name);
            if (partition == null) {
                decided.add(removal(name, worker, ledger));
                continue;
            }
            Rollouts.Decision decision = Rollouts.decide(partition, worker, ledger, observed.trials().get(name),
                    desired.revision(), context.now(), p -> decide(p, worker, ledger, context.now()));
            decided.add(decision.action());
            decision.step().ifPresent(step -> rollouts.put(name, step));
        }
        List<Action> admitted = admit(Dependencies.apply(decided, placed, observed), observed, context);
        return new Plan(admitted, Rollouts.admitted(rollouts, admitted));
    }

    /**
     * No revision is known yet (the first sync after a start has not succeeded): an empty desired state
     * here would mean "delete everything", so every worker is left exactly as it is.
     */
    private static Plan hold(Observed observed) {
        return new Plan(observed.workers().keySet().stream().<Action>map(Action.InSync::new).toList());
    }

    private static Action decide(Partition partition, WorkerStatus worker, LedgerEntry ledger, Instant now) {
        if (worker == null) {
            return partition.runState() == RunState.RUNNING ? new Action.Create(partition) : new Action.InSync(partition.name());
        }
        if (worker.state().isAlive()) {
            return decideAlive(partition, worker);
        }
        return partition.runState() == RunState.RUNNING
                ? decideRestart(partition, worker, ledger, now)
                : new Action.InSync(partition.name());
    }

    private static Action decideAlive(Partition partition, WorkerStatus worker) {
        if (partition.runState() == RunState.STOPPED) {
            return new Action.Stop(partition.name(), partition.vm().shutdownGracePeriod(), "runState is Stopped");
        }
        VmConfig running = worker.config();
        VmConfig wanted = partition.vm();
        if (running.equals(wanted)) {
            return new Action.InSync(partition.name());
        }
        List<ConfigDiff.Resize> resizes = ConfigDiff.diskResizes(running, wanted);
        List<Change> shrinks = resizes.stream().filter(ConfigDiff.Resize::shrinks).map(ConfigDiff.Resize::change).toList();
        if (!shrinks.isEmpty()) {
            // Refused before anything else: a restart would not shrink the disk either, only stop the partition.
            return new Action.RefuseChange(partition.name(), "disks are never shrunk (their data would be cut off): "
                    + shrinks.stream().map(Change::toString).collect(Collectors.joining(", "))
                    + "; ask for at least the current size");
        }
        List<Change> changes = ConfigDiff.restartChanges(running, wanted);
        List<Change> growth = resizes.stream().map(ConfigDiff.Resize::change).toList();
        Change memory = ConfigDiff.memoryChange(running, wanted);
        if (changes.isEmpty() && growth.isEmpty() && memory == null) {
            return new Action.InSync(partition.name());
        }
        if (changes.isEmpty() && !growth.isEmpty()) {
            // Memory, if it changed too, follows on the next pass.
            return new Action.GrowDisks(partition, growth);
        }
        if (changes.isEmpty() && PlanContext.hasBalloon(wanted.profile())) {
            return new Action.UpdateMemory(partition, memory);
        }
        changes = new ArrayList<>(changes);
        // A restart grows the disks as it starts the worker again.
        changes.addAll(growth);
        if (memory != null) {
            changes.add(memory);
        }
        return new Action.Restart(partition, changes);
    }

    /** A worker that is not alive while Git wants it running: restart policy and backoff decide. */
    private static Action decideRestart(Partition partition, WorkerStatus worker, LedgerEntry ledger, Instant now) {
        Optional<StopInfo> stop = worker.lastStop();
        StopReason reason = stop.map(StopInfo::reason).orElse(StopReason.WORKER_EXITED);
        if (reason == StopReason.REQUESTED) {
            return new Action.Start(partition, "runState is Running", false, 0);
        }
        boolean allowed = switch (partition.restartPolicy()) {
            case ALWAYS -> true;
            case ON_FAILURE -> reason.isFailure();
            case NEVER -> false;
        };
        if (!allowed) {
            return new Action.InSync(partition.name());
        }
        Instant stoppedAt = stop.map(StopInfo::at).orElse(now);
        boolean ranHealthy = Duration.between(worker.startedAt(), stoppedAt).compareTo(HEALTHY_RUN) >= 0;
        int exponent = ranHealthy || ledger == null ? 0 : ledger.consecutiveFailures();
        Instant restartAt = stoppedAt.plus(backoff(exponent));
        String why = "restart after " + describe(reason) + " (restartPolicy " + partition.restartPolicy().yaml() + ")";
        if (now.isBefore(restartAt)) {
            return new Action.Wait(partition.name(), Action.WaitReason.RESTART_BACKOFF,
                    why + " at " + restartAt + ", backing off " + backoff(exponent).toSeconds() + "s");
        }
        return new Action.Start(partition, why, true, exponent);
    }

    static Duration backoff(int exponent) {
        Duration delay = RESTART_BACKOFF_BASE.multipliedBy(1L << Math.min(exponent, 16));
        return delay.compareTo(RESTART_BACKOFF_CAP) > 0 ? RESTART_BACKOFF_CAP : delay;
    }

    private static String describe(StopReason reason) {
        return switch (reason) {
            case REQUESTED -> "a requested stop";
            case GUEST_SHUTDOWN -> "guest shutdown";
            case GUEST_PANICKED -> "guest panic";
            case WORKER_EXITED -> "worker exit";
            case WORKER_KILLED -> "worker killed";
        };
    }

    /** A partition with a worker but no spec here: it left Git, or this appliance's placement. */
    private static Action removal(PartitionName name, WorkerStatus worker, LedgerEntry ledger) {
        if (ledger != null && ledger.protectedFromDeletion()) {
            return new Action.RefuseDeletion(name, "protected: true in the last applied revision ("
                    + ledger.revision() + "); set protected: false before removing it");
        }
        boolean deleteDisks = ledger != null && ledger.deletionPolicy() == DeletionPolicy.DELETE;
        Duration grace = ledger != null ? ledger.shutdownGracePeriod() : worker.config().shutdownGracePeriod();
        return new Action.Delete(name, deleteDisks, grace, "no longer in Git for this appliance");
    }

    /**
     * Turns starts that would overcommit the host into waits. Memory counts at maxMemory, since the
     * balloon may grow a guest to it at any time; a partition may not have more CPUs than the host.
     */
    private static List<Action> admit(List<Action> decided, Observed observed, PlanContext context) {
        long committed = 0;
        for (Action action : decided) {
            WorkerStatus worker = observed.workers().get(action.name());
            boolean keepsRunning = worker != null && worker.state().isAlive()
                    && !(action instanceof Action.Stop || action instanceof Action.Delete
                    || action instanceof Action.Restart);
            if (keepsRunning) {
                committed += worker.config().maxMemoryBytes();
            }
        }
        long allocatable = context.allocatableMemory();
        List<Action> admitted = new ArrayList<>(decided.size());
        for (Action action : decided) {
            VmConfig starting = startingConfig(action);
            if (starting == null) {
                admitted.add(action);
            } else if (starting.cpus() > context.host().cpus()) {
                admitted.add(new Action.Wait(action.name(), Action.WaitReason.INSUFFICIENT_RESOURCES,
                        "needs " + starting.cpus() + " CPUs, the host has " + context.host().cpus()));
            } else if (committed + starting.maxMemoryBytes() > allocatable) {
                admitted.add(new Action.Wait(action.name(), Action.WaitReason.INSUFFICIENT_RESOURCES,
                        "needs " + Quantities.format(starting.maxMemoryBytes()) + " of memory, "
                                + Quantities.format(Math.max(0, allocatable - committed)) + " free of "
                                + Quantities.format(allocatable) + " allocatable"));
            } else {
                committed += starting.maxMemoryBytes();
                admitted.add(action);
            }
        }
        return admitted;
    }

    private static VmConfig startingConfig(Action action) {
        return switch (action) {
            case Action.Create c -> c.partition().vm();
            case Action.Start s -> s.partition().vm();
            case Action.Restart r -> r.partition().vm();
            default -> null;
        };
    }
}
