package dev.celadon.reconciler.status;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** Counts over the partitions: how many Git wants on this appliance, how many run, how many failed. */
@RegisterForReflection
public record Summary(int desired, int running, int failed) {
}
