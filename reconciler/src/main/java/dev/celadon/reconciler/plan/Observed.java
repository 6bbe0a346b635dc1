package dev.celadon.reconciler.plan;

import dev.celadon.hypervisor.PartitionName;
import dev.celadon.hypervisor.WorkerStatus;

import java.util.Map;

/**
 * What is: the workers the hypervisor knows and the reconciler's ledger.
 *
 * @param notReady why each partition with a live worker that does not count as Ready (DESIGN.md §4, readiness)
 *                 does not, e.g. {@code heartbeat}; a live worker not listed counts as Ready
 */
public record Observed(Map<PartitionName, WorkerStatus> workers, Map<PartitionName, LedgerEntry> ledger,
                       Map<PartitionName, String> notReady) {
    public Observed {
        workers = Map.copyOf(workers);
        ledger = Map.copyOf(ledger);
        notReady = Map.copyOf(notReady);
    }

    /** Every live worker Ready. */
    public Observed(Map<PartitionName, WorkerStatus> workers, Map<PartitionName, LedgerEntry> ledger) {
        this(workers, ledger, Map.of());
    }
}
