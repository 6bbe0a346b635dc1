package dev.celadon.hypervisor.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import dev.celadon.hypervisor.StopReason;

/**
 * The runtime record of one partition's worker, {@code workers/NAME/worker.json} in the state dir:
 * what a later {@link QemuHypervisor} (after a reconciler restart) needs to find the worker again,
 * prove it is the same process, talk to it and know why it stopped. Plain JSON types only. Written
 * before the spawn (phase LAUNCHING, pid 0), so that no worker ever runs without one.
 *
 * @param phase         where the worker is in its life; moves follow {@link WorkerPhase}'s table
 * @param pid           the worker process; 0 before the spawn and once it has exited
 * @param startTicks    its start time from /proc/PID/stat, which with the pid identifies it for good
 * @param config        the {@link dev.celadon.hypervisor.VmConfig} it was started with, as JSON (disks grown
 *                      live since included)
 * @param configHash    SHA-256 of that JSON
 * @param memoryTarget  the live memory target (the balloon's), starting at the config's memory
 * @param runDir        this launch's own folder of sockets (QMP, agent, console), so that no other launch's
 *                      QEMU, exiting, can remove them
 * @param uid           the uid the worker runs as ({@link WorkerIdentity}): 0 with isolation none (and in records
 *                      of format 2, which predate isolation); a live process of another uid is not this worker
 * @param gid           its gid
 * @param limits        its resource limits as applied at launch ({@link WorkerCgroup}), or why there are none
 * @param ending        in phase ENDING: why the worker is on its way out (stop requested, guest powered
 *                      off, panicked) and what has been done so far
 * @param lastStop      in phase EXITED: why it stopped
 */
record WorkerRecord(
        int format,
        String partition,
        WorkerPhase phase,
        long pid,
        long startTicks,
        String startedAt,
        String accel,
        String configHash,
        JsonNode config,
        long memoryTarget,
        String runDir,
        int uid,
        int gid,
        String limits,
        Stop ending,
        Stop lastStop) {

    /**
     * 3: the worker's uid, gid and limits. 2: the phase and the per-launch run dir. Format 1 records (flags, sockets
     * in the worker dir) are read too; records before 3 have uid 0, which their root workers match.
     */
    static final int FORMAT = 3;

    /** A {@link dev.celadon.hypervisor.StopInfo} in plain JSON types. */
    record Stop(String reason, String at, String detail) {
    }

    /** The intent to launch, written before the spawn. */
    static WorkerRecord launching(String partition, String startedAt, String accel, String configHash, JsonNode config,
                                  long memoryTarget, String runDir) {
        return new WorkerRecord(FORMAT, partition, WorkerPhase.LAUNCHING, 0, 0, startedAt, accel, configHash, config,
                memoryTarget, runDir, 0, 0, "none", null, null);
    }

    /** The worker's account and limits, chosen before the intent record is written. */
    WorkerRecord withIdentity(WorkerIdentity identity, String newLimits) {
        return new WorkerRecord(FORMAT, partition, phase, pid, startTicks, startedAt, accel, configHash, config, memoryTarget,
                runDir, identity.uid(), identity.gid(), newLimits, ending, lastStop);
    }

    WorkerIdentity identity() {
        return new WorkerIdentity(uid, gid);
    }

    boolean stopRequested() {
        return ending != null && ending.reason().equals(StopReason.REQUESTED.name());
    }

    /** QEMU runs: the pid that identifies it, still LAUNCHING until {@code cont}. */
    WorkerRecord spawned(long newPid, long newStartTicks) {
        if (phase != WorkerPhase.LAUNCHING) {
            throw new WorkerPhase.IllegalMove(partition, phase, WorkerPhase.LAUNCHING);
        }
        return new WorkerRecord(FORMAT, partition, phase, newPid, newStartTicks, startedAt, accel, configHash, config,
                memoryTarget, runDir, uid, gid, limits, ending, lastStop);
    }

    WorkerRecord running() {
        return to(WorkerPhase.RUNNING, null, null);
    }

    /**
     * On its way out, and why; in ENDING already, the reason and detail replace the earlier ones (a detail
     * grows with each step of a stop, a panic outranks the shutdown that follows it).
     */
    WorkerRecord withEnding(Stop value) {
        return phase == WorkerPhase.ENDING ? copy(WorkerPhase.ENDING, pid, startTicks, value, lastStop)
                : to(WorkerPhase.ENDING, value, null);
    }

    /** The worker has exited: no pid any more, and the reason it stopped. */
    WorkerRecord exited(Stop stop) {
        return to(WorkerPhase.EXITED, null, stop);
    }

    WorkerRecord withMemoryTarget(long value) {
        return new WorkerRecord(FORMAT, partition, phase, pid, startTicks, startedAt, accel, configHash, config, value,
                runDir, uid, gid, limits, ending, lastStop);
    }

    WorkerRecord withConfig(String hash, JsonNode value) {
        return new WorkerRecord(FORMAT, partition, phase, pid, startTicks, startedAt, accel, hash, value, memoryTarget,
                runDir, uid, gid, limits, ending, lastStop);
    }

    private WorkerRecord to(WorkerPhase next, Stop newEnding, Stop newLastStop) {
        if (!phase.canBecome(next)) {
            throw new WorkerPhase.IllegalMove(partition, phase, next);
        }
        boolean exited = next == WorkerPhase.EXITED;
        return copy(next, exited ? 0 : pid, exited ? 0 : startTicks, newEnding, newLastStop);
    }

    private WorkerRecord copy(WorkerPhase newPhase, long newPid, long newStartTicks, Stop newEnding, Stop newLastStop) {
        return new WorkerRecord(FORMAT, partition, newPhase, newPid, newStartTicks, startedAt, accel, configHash, config,
                memoryTarget, runDir, uid, gid, limits, newEnding, newLastStop);
    }
}
