package dev.celadon.hypervisor;

import java.time.Duration;
import java.util.List;

/**
 * The handle on one partition's worker process (Hyper-V's per-child worker process).
 * Calls on one handle are serialized by the caller: at most one operation per partition at a time.
 */
public interface Worker {

    PartitionName name();

    /** A fresh observation: process liveness, QMP status, last stop. Only reads: it changes nothing. */
    WorkerStatus status();

    /**
     * Stops the guest gracefully and waits for the worker to exit: agent shutdown where the guest
     * has one, else ACPI powerdown; after {@code grace}, QMP quit, then SIGTERM, then SIGKILL.
     * Records {@link StopReason#REQUESTED}. Returns at once when the worker is not alive.
     */
    void stop(Duration grace) throws HypervisorException;

    /** Changes the guest's memory live through the balloon, within the config's maxMemory. */
    void setMemory(long bytes) throws HypervisorException;

    /**
     * Grows the partition's image disks (overlay, blank) live to the sizes in {@code disks}, its disks as
     * they should now be; the guest sees the new capacity. Disks are never shrunk: a size below a disk's
     * current size, or a disk the running machine does not have, fails with
     * {@link InvalidVmConfigException} before anything changes.
     */
    void growDisks(List<DiskConfig> disks) throws HypervisorException;

    /**
     * Asks the guest agent for a heartbeat and, where it answers, OS, hostname and addresses.
     * Fails with {@link GuestAgentException} when the agent does not answer in time.
     */
    GuestInfo probeGuest() throws HypervisorException;
}
