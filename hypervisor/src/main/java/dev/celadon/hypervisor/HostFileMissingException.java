package dev.celadon.hypervisor;

import java.nio.file.Path;
import java.util.List;

/**
 * A file the configuration names is not on this host yet: a boot file or base image not (yet) copied into
 * an images dir. Not a spec error: the spec may be right and the host behind, so the loop retries with
 * backoff, and at once when one of {@link #awaited()} appears.
 */
public final class HostFileMissingException extends HypervisorException {

    private final String field;
    private final String problem;
    private final List<Path> awaited;

    public HostFileMissingException(PartitionName partition, String field, String problem, List<Path> awaited) {
        super(partition, partition + ": " + field + ": " + problem, null);
        this.field = field;
        this.problem = problem;
        this.awaited = List.copyOf(awaited);
    }

    public String problem() {
        return problem;
    }

    /** The spec field naming the file, as a dotted path (e.g. {@code boot.kernel}). */
    public String field() {
        return field;
    }

    /** Where the file would be found: any of these appearing is worth a new try. */
    public List<Path> awaited() {
        return awaited;
    }

    @Override
    public String reason() {
        return "HostFileMissing";
    }

    @Override
    public Retry retry() {
        return Retry.BACKOFF;
    }
}
