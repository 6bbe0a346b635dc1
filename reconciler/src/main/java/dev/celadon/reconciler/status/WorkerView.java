package dev.celadon.reconciler.status;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** The live worker process of a partition. */
@RegisterForReflection
public record WorkerView(long pid, String accel) {
}
