package dev.celadon.hypervisor;

/** What the host offers to partitions, before the parent partition's reservation. */
public record HostResources(int cpus, long memoryBytes) {
}
