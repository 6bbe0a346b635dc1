package dev.celadon.hypervisor.qemu;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The runtime record of one partition's worker, {@code workers/NAME/worker.json} in the state dir:
 * what a later {@link QemuHypervisor} (after a reconciler restart) needs to find the worker again,
 * prove it is the same process, talk to it and know why it stopped. Plain JSON types only.
 *
 * @param pid           the worker process; 0 once it has exited
 * @param startTicks    its start time from /proc/PID/stat, which with the pid identifies it for good
 * @param config        the {@link dev.celadon.hypervisor.VmConfig} it was started with, as JSON (disks grown
 *                      live since included)
 * @param configHash    SHA-256 of that JSON
 * @param memoryTarget  the live memory target (the balloon's), starting at the config's memory
 * @param stopRequested Celadon asked for the stop: whatever ends the process is then REQUESTED
 * @param ending        why the worker is on its way out before it has exited (guest powered off, panicked)
 * @param lastStop      why it stopped, once it has
 */
record WorkerRecord(
        int format,
        String partition,
        long pid,
        long startTicks,
        String startedAt,
        String accel,
        String configHash,
        JsonNode config,
        long memoryTarget,
        String qmpSocket,
        String agentSocket,
        String consoleLog,
        boolean stopRequested,
        Stop ending,
        Stop lastStop) {

    static final int FORMAT = 1;

    /** A {@link dev.celadon.hypervisor.StopInfo} in plain JSON types. */
    record Stop(String reason, String at, String detail) {
    }

    WorkerRecord withMemoryTarget(long value) {
        return new WorkerRecord(format, partition, pid, startTicks, startedAt, accel, configHash, config, value, qmpSocket,
                agentSocket, consoleLog, stopRequested, ending, lastStop);
    }

    WorkerRecord withConfig(String hash, JsonNode value) {
        return new WorkerRecord(format, partition, pid, startTicks, startedAt, accel, hash, value, memoryTarget,
                qmpSocket, agentSocket, consoleLog, stopRequested, ending, lastStop);
    }

    WorkerRecord withStopRequested(Stop requested) {
        return new WorkerRecord(format, partition, pid, startTicks, startedAt, accel, configHash, config, memoryTarget,
                qmpSocket, agentSocket, consoleLog, true, requested, lastStop);
    }

    WorkerRecord withEnding(Stop value) {
        return new WorkerRecord(format, partition, pid, startTicks, startedAt, accel, configHash, config, memoryTarget,
                qmpSocket, agentSocket, consoleLog, stopRequested, value, lastStop);
    }

    /** The worker has exited: no pid any more, and the reason it stopped. */
    WorkerRecord exited(Stop stop) {
        return new WorkerRecord(format, partition, 0, 0, startedAt, accel, configHash, config, memoryTarget, qmpSocket,
                agentSocket, consoleLog, false, null, stop);
    }
}
