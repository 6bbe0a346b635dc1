package dev.celadon.reconciler.status;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * The live worker process of a partition, and what its machine has now as the hypervisor reports it (not as
 * the spec asks); those are null while the hypervisor does not answer.
 *
 * @param cpus         the machine's vCPUs
 * @param memoryBytes  the machine's RAM (an enlightened guest boots with its maxMemory)
 * @param balloonBytes the memory the guest has now through the balloon; null without one (legacy guests)
 * @param isolation    how the worker is fenced off: {@code none}, or {@code user UID:GID} and its cgroup limits (or
 *                     why they were skipped)
 */
@RegisterForReflection
public record WorkerView(long pid, String accel, Integer cpus, Long memoryBytes, Long balloonBytes, String isolation) {
}
