package dev.celadon.hypervisor;

/** The worker is in a state that does not allow the operation yet (starting, stopping, alive). */
public final class WorkerBusyException extends HypervisorException {

    private final VmState state;

    public WorkerBusyException(PartitionName partition, VmState state, String operation) {
        super(partition, partition + ": cannot " + operation + " while the worker is " + state, null);
        this.state = state;
    }

    public VmState state() {
        return state;
    }

    @Override
    public String reason() {
        return "WorkerBusy";
    }

    @Override
    public Retry retry() {
        return Retry.REQUEUE;
    }
}
