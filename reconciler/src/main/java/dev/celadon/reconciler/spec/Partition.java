package dev.celadon.reconciler.spec;

import dev.celadon.hypervisor.PartitionName;
import dev.celadon.hypervisor.VmConfig;

import java.util.Map;
import java.util.Objects;

/**
 * One parsed and validated {@code kind: Partition} document: the machine ({@link VmConfig}) plus
 * what the reconciler needs to decide about it.
 *
 * @param source where the document starts, for messages about the partition as a whole
 */
public record Partition(
        PartitionName name,
        Map<String, String> labels,
        RunState runState,
        Placement placement,
        VmConfig vm,
        RestartPolicy restartPolicy,
        DeletionPolicy deletionPolicy,
        boolean protectedFromDeletion,
        SourceLocation source) {

    public Partition {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(runState, "runState");
        Objects.requireNonNull(placement, "placement");
        Objects.requireNonNull(vm, "vm");
        Objects.requireNonNull(restartPolicy, "restartPolicy");
        Objects.requireNonNull(deletionPolicy, "deletionPolicy");
        Objects.requireNonNull(source, "source");
        labels = Map.copyOf(labels);
    }
}
