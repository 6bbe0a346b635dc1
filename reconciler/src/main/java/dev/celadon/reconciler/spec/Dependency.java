package dev.celadon.reconciler.spec;

import dev.celadon.hypervisor.PartitionName;

import java.util.Objects;

/**
 * One entry of {@code spec.dependsOn}: the partition that must be Ready before this one starts.
 *
 * @param at    where the entry is, for errors about it (an unknown name, a cycle)
 * @param field its path, e.g. {@code spec.dependsOn[0]}
 */
public record Dependency(PartitionName name, SourceLocation at, String field) {
    public Dependency {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(field, "field");
    }
}
