package dev.celadon.reconciler.plan;

import dev.celadon.reconciler.spec.Partition;

import java.util.List;

/** The partitions of the revision in force: the last good one. */
public record Desired(String revision, List<Partition> partitions) {

    public static final Desired NOTHING = new Desired(null, List.of());

    public Desired {
        partitions = List.copyOf(partitions);
    }
}
