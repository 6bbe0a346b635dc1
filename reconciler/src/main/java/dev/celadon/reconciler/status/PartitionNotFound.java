package dev.celadon.reconciler.status;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** The body of {@code GET /status/partitions/{name}}'s 404: which name was asked for. */
@RegisterForReflection
public record PartitionNotFound(String partition, String message) {

    static PartitionNotFound named(String partition) {
        return new PartitionNotFound(partition, "no partition named '" + partition + "' on this appliance");
    }
}
