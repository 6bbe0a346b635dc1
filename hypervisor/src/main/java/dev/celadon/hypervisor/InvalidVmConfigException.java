package dev.celadon.hypervisor;

/**
 * The configuration cannot work on this host: a boot file or base image that does not exist, a path
 * that escapes the image directories, a device that may not or cannot be passed through.
 * Retrying does not help; a new revision does.
 */
public final class InvalidVmConfigException extends HypervisorException {

    private final String field;
    private final String problem;

    public InvalidVmConfigException(PartitionName partition, String field, String problem) {
        super(partition, partition + ": " + field + ": " + problem, null);
        this.field = field;
        this.problem = problem;
    }

    /** The spec field at fault, as a dotted path (e.g. {@code boot.kernel}, {@code disks[0].image}). */
    public String field() {
        return field;
    }

    public String problem() {
        return problem;
    }

    @Override
    public String reason() {
        return "InvalidVmConfig";
    }

    @Override
    public Retry retry() {
        return Retry.STALL;
    }
}
