package dev.celadon.reconciler.status;

import io.quarkus.runtime.annotations.RegisterForReflection;

import java.util.List;

/** The whole of {@code GET /status} (DESIGN.md §5): one immutable snapshot, replaced as a whole. */
@RegisterForReflection
public record StatusDocument(
        ApplianceInfo appliance,
        SourceStatus source,
        List<ErrorView> errors,
        List<PartitionStatus> partitions,
        Summary summary) {

    public StatusDocument {
        errors = List.copyOf(errors);
        partitions = List.copyOf(partitions);
    }
}
