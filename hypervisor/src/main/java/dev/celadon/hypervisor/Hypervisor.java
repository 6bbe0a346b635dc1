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
     * One supervision pass, the only place where what is observed leads to action: finishes launches
     * whose launcher stopped before the CPUs ran, records workers that have exited, quits workers whose
     * guest powered off, adopts or stops workers found without a usable record, and moves unreadable
     * records aside. The reconcile loop calls it once per tick, before {@link #observe()}. Never throws:
     * what goes wrong with one partition is that partition's {@link Incident}.
     */
    void supervise();

    /**
     * Every partition this hypervisor has a record of: running workers (adopted if they were started
     * by an earlier instance) and stopped or crashed ones whose records remain. Sorted by name. Only
     * reads: a worker that needs something done is left to {@link #supervise()}.
     */
    List<WorkerStatus> observe();

    /**
     * What supervision found and repaired since this hypervisor was created, the latest per partition,
     * sorted by name; a partition's incident goes with {@link #delete}.
     */
    List<Incident> incidents();

    /**
     * The last bytes, at most {@code maxBytes}, of the partition's serial console as the guest wrote them,
     * across the log and its predecessor ({@link ConsoleLog}): what a running guest prints, and a stopped
     * one's last output. Empty when there is none (never started, or deleted). Where earlier bytes are cut
     * off, it begins at a character ({@link ConsoleLog#fromCharacterStart}). Only reads.
     *
     * @throws IllegalArgumentException when {@code maxBytes} is not within {@link ConsoleLog#checkTailSize}
     */
    byte[] consoleTail(PartitionName name, int maxBytes) throws HypervisorException;

    /** The handle on a partition's worker, if there is a record of it. */
    Optional<Worker> worker(PartitionName name);

    /**
     * Checks that {@code config} can run on this host as it is now, changing nothing: its form
     * ({@link VmConfigRules}), then every file it names (present, inside the images dirs, backing chains
     * included) and every device. What {@link #start} would refuse for them, this refuses the same way, so
     * a running worker need not be stopped for a config that cannot replace it.
     */
    void check(VmConfig config) throws HypervisorException;

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
