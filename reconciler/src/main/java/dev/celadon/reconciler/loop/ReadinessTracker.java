package dev.celadon.reconciler.loop;

import dev.celadon.hypervisor.PartitionName;
import dev.celadon.hypervisor.WorkerStatus;
import dev.celadon.reconciler.plan.Desired;
import dev.celadon.reconciler.spec.Partition;
import dev.celadon.reconciler.spec.ReadinessSpec;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * Each pass's readiness: every worker's {@link Readiness#verdict} for status and metrics, and for
 * {@code dependsOn} which live workers do not count as Ready. A worker that has been Ready counts as Ready for
 * its dependents until it is restarted (a new run), so a heartbeat missed under load does not stop a wave of
 * starts halfway. Loop thread only.
 */
final class ReadinessTracker {

    /** Each partition's worker run (its start time) that has been Ready. */
    private final Map<PartitionName, Instant> readyRuns = new HashMap<>();

    /**
     * @param verdicts each worker's readiness now
     * @param notReady why each live worker that has not been Ready in its current run is not
     */
    record Pass(Map<PartitionName, Readiness.Verdict> verdicts, Map<PartitionName, String> notReady) {
    }

    /** Tells the prober what to check, and judges every worker on what it last found. */
    Pass evaluate(Desired desired, Map<PartitionName, WorkerStatus> workers, GuestProber prober, Instant now) {
        Map<PartitionName, ReadinessSpec> specs = new HashMap<>();
        for (Partition partition : desired.partitions()) {
            specs.put(partition.name(), partition.readiness());
        }
        prober.check(specs);
        Map<PartitionName, Readiness.Verdict> verdicts = new HashMap<>();
        Map<PartitionName, String> notReady = new HashMap<>();
        for (WorkerStatus worker : workers.values()) {
            PartitionName name = worker.name();
            // A partition that left Git is judged as its running machine would be by default.
            ReadinessSpec spec = specs.getOrDefault(name, Partition.defaultReadiness(worker.config()));
            Readiness.Verdict verdict = Readiness.verdict(spec, worker, prober.checks(name), now);
            verdicts.put(name, verdict);
            if (verdict.ready()) {
                readyRuns.put(name, worker.startedAt());
            }
            if (worker.state().isAlive() && !worker.startedAt().equals(readyRuns.get(name))) {
                notReady.put(name, verdict.reason());
            }
        }
        readyRuns.keySet().retainAll(workers.keySet());
        return new Pass(verdicts, notReady);
    }
}
