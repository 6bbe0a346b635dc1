package dev.celadon.hypervisor;

/**
 * A NIC names a host bridge that does not exist (or an interface that is no bridge). Only this partition
 * is refused; the loop retries with backoff, since the bridge may yet be created.
 */
public final class BridgeMissingException extends HypervisorException {

    private final String field;
    private final String bridge;
    private final String problem;

    public BridgeMissingException(PartitionName partition, String field, String bridge, String problem) {
        super(partition, partition + ": " + field + ": " + problem, null);
        this.field = field;
        this.bridge = bridge;
        this.problem = problem;
    }

    public String problem() {
        return problem;
    }

    /** The spec field, e.g. {@code networks[0].bridge}. */
    public String field() {
        return field;
    }

    public String bridge() {
        return bridge;
    }

    @Override
    public String reason() {
        return "BridgeMissing";
    }

    @Override
    public Retry retry() {
        return Retry.BACKOFF;
    }
}
