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

    /**
     * Whether a program in the guest accepts TCP connections on {@code guestPort}: the guest's own answer, not
     * the host side of a forward (QEMU accepts those before it asks the guest). Through a user-mode forward of
     * that port: a connection to the forward that QEMU's user network shows established with the guest within
     * {@code timeout}. Else on a bridged NIC: a connection to an address the agent last reported on it.
     * False when neither reaches the port (no such forward, no reported address) or nothing answers in time.
     */
    boolean guestPortAnswers(int guestPort, Duration timeout) throws HypervisorException;

    /**
     * Runs {@code command} (program and arguments) in the guest through its agent ({@code guest-exec}) and
     * returns its exit code. Fails with {@link GuestAgentException} when the agent does not answer or the
     * program has not exited within {@code timeout}.
     */
    int execInGuest(java.util.List<String> command, Duration timeout) throws HypervisorException;
}
