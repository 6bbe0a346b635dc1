package dev.celadon.reconciler.spec;

import java.util.List;

/**
 * The result of loading one spec folder: the partitions, sorted by name, and every error found.
 * A set with any error is not applied at all.
 */
public record SpecSet(List<Partition> partitions, List<SpecError> errors) {

    public SpecSet {
        partitions = List.copyOf(partitions);
        errors = List.copyOf(errors);
    }

    public boolean isValid() {
        return errors.isEmpty();
    }
}
