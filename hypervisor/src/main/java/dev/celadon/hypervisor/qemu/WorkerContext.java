package dev.celadon.hypervisor.qemu;

/**
 * What a worker may use of the hypervisor: its settings, process identity from /proc, the record
 * store, the taps, its cgroup and its devices (removed or given back when its exit is recorded). Nothing
 * else: a worker cannot start, adopt or delete another.
 */
record WorkerContext(QemuSettings settings, Processes processes, RecordStore store, Taps taps, WorkerCgroup cgroups,
        WorkerRoot root, WorkerDevices devices) {
}
