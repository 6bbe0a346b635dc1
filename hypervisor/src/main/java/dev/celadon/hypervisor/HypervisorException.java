package dev.celadon.hypervisor;

/**
 * A failure of the virtualization stack. Each subtype is one failure mode, builds its message from
 * its fields and says what the reconcile loop should do about it.
 */
public abstract class HypervisorException extends Exception {

    private final PartitionName partition;

    protected HypervisorException(PartitionName partition, String message, Throwable cause) {
        super(message, cause);
        this.partition = partition;
    }

    /** The partition concerned; null for failures of the stack as a whole. */
    public PartitionName partition() {
        return partition;
    }

    public abstract Retry retry();

    /**
     * The failure mode as a stable value for status conditions and alerts ({@code InvalidVmConfig},
     * {@code WorkerBusy}, {@code WorkerLaunch}, {@code WorkerControl}, {@code WorkerNotFound},
     * {@code GuestAgent}): written out, never derived from a class name that a refactoring may change.
     */
    public abstract String reason();
}
