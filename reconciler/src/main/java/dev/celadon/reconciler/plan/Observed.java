package dev.celadon.reconciler.plan;

import dev.celadon.hypervisor.PartitionName;
import dev.celadon.hypervisor.WorkerStatus;

import java.util.Map;

/**
 * What is: the workers the hypervisor knows, the reconciler's ledger, and whether the partitions on a Try
 * rollout are Ready (none for the others: nothing waits for theirs).
 */
public record Observed(Map<PartitionName, WorkerStatus> workers, Map<PartitionName, LedgerEntry> ledger,
                       Map<PartitionName, Readiness> readiness) {
    public Observed {
        workers = Map.copyOf(workers);
        ledger = Map.copyOf(ledger);
        readiness = Map.copyOf(readiness);
    }

    public Observed(Map<PartitionName, WorkerStatus> workers, Map<PartitionName, LedgerEntry> ledger) {
        this(workers, ledger, Map.of());
    }
}
