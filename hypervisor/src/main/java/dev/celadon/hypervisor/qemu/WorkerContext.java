package dev.celadon.hypervisor.qemu;

/**
 * What a worker may use of the hypervisor: its settings, process identity from /proc, the record
 * store and the taps (removed when its exit is recorded). Nothing else: a worker cannot start, adopt or
 * delete another.
 */
record WorkerContext(QemuSettings settings, Processes processes, RecordStore store, Taps taps) {
}
