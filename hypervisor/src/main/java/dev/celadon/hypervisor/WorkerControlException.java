package dev.celadon.hypervisor;

/** A command to a running worker failed: QMP error, timeout, lost connection, disk preparation. */
public final class WorkerControlException extends HypervisorException {

    private final String operation;

    public WorkerControlException(PartitionName partition, String operation, String problem, Throwable cause) {
        super(partition, partition + ": " + operation + " failed: " + problem, cause);
        this.operation = operation;
    }

    public String operation() {
        return operation;
    }

    @Override
    public String reason() {
        return "WorkerControl";
    }

    @Override
    public Retry retry() {
        return Retry.BACKOFF;
    }
}
