package dev.celadon.hypervisor;

/** There is no record of a worker for this partition. */
public final class WorkerNotFoundException extends HypervisorException {

    public WorkerNotFoundException(PartitionName partition) {
        super(partition, partition + ": no worker", null);
    }

    @Override
    public String reason() {
        return "WorkerNotFound";
    }

    @Override
    public Retry retry() {
        return Retry.BACKOFF;
    }
}
