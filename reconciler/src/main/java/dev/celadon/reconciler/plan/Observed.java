package dev.celadon.reconciler.plan;

import dev.celadon.hypervisor.PartitionName;
import dev.celadon.hypervisor.WorkerStatus;

import java.util.Map;

/**
 * What is: the workers the hypervisor knows, the reconciler's ledger, which live workers are not Ready, and
 * whether the partitions on a Try rollout are Ready.
 *
 * @param notReady why each partition with a live worker that does not count as Ready (DESIGN.md §4, readiness)
 *                 does not, e.g. {@code heartbeat}; a live worker not listed counts as Ready (for dependsOn: once
 *                 Ready, until it restarts)
 * @param trials   whether each partition on an open Try rollout is Ready now (none for the others)
 */
public record Observed(Map<PartitionName, WorkerStatus> workers, Map<PartitionName, LedgerEntry> ledger,
                       Map<PartitionName, String> notReady, Map<PartitionName, TrialReadiness> trials) {
    public Observed {
        workers = Map.copyOf(workers);
        ledger = Map.copyOf(ledger);
        notReady = Map.copyOf(notReady);
        trials = Map.copyOf(trials);
    }

    /** Every live worker Ready, no Try rollout open. */
    public Observed(Map<PartitionName, WorkerStatus> workers, Map<PartitionName, LedgerEntry> ledger) {
        this(workers, ledger, Map.of(), Map.of());
    }
}
