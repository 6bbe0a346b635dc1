package dev.celadon.hypervisor.qemu;

/**
 * What a worker may use of the hypervisor: its settings, process identity from /proc, and the record
 * store. Nothing else: a worker cannot start, adopt or delete another.
 */
record WorkerContext(QemuSettings settings, Processes processes, RecordStore store) {
}
