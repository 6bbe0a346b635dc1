package dev.celadon.reconciler.plan;

import dev.celadon.hypervisor.PartitionName;
import dev.celadon.hypervisor.WorkerStatus;

import java.util.Map;

/** What is: the workers the hypervisor knows and the reconciler's ledger. */
public record Observed(Map<PartitionName, WorkerStatus> workers, Map<PartitionName, LedgerEntry> ledger) {
    public Observed {
        workers = Map.copyOf(workers);
        ledger = Map.copyOf(ledger);
    }
}
