package dev.celadon.hypervisor;

import java.util.List;
import java.util.Optional;

/**
 * The virtualization stack of the parent partition: starts, observes and adopts one worker per
 * partition. Workers outlive this object and the process that holds it; {@link #close()} releases
 * connections and never stops a worker.
 */
public interface Hypervisor extends AutoCloseable {

    /** The accelerator new workers are started on. */
    Accel accel();

    /** CPUs and memory of the host, for admission. */
    HostResources host();

    /**
     * Every partition this hypervisor has a record of: running workers (adopted if they were started
     * by an earlier instance) and stopped or crashed ones whose records remain. Sorted by name.
     */
    List<WorkerStatus> observe();

    /** The handle on a partition's worker, if there is a record of it. */
    Optional<Worker> worker(PartitionName name);

    /**
     * Prepares the disks (kept from an earlier run where they exist), launches the worker paused,
     * negotiates QMP and lets the CPUs run. Fails with {@link WorkerBusyException} when a worker for
     * this partition is alive.
     */
    Worker start(VmConfig config) throws HypervisorException;

    /**
     * Forgets a partition whose worker is not alive: removes its runtime record, and its disks when
     * {@code deleteDisks} is true.
     */
    void delete(PartitionName name, boolean deleteDisks) throws HypervisorException;

    /** Releases connections and threads. Never stops a worker. */
    @Override
    void close();
}
