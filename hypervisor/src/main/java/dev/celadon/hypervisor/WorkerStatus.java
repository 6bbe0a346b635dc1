package dev.celadon.hypervisor;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One observation of a worker.
 *
 * @param config      the configuration the worker was started with (memory = the current live target)
 * @param pid         the worker process, while it is alive
 * @param startedAt   when the worker process was launched
 * @param lastStop    why the worker last stopped, when it is not alive
 * @param guest       what the guest agent last said; of a worker that is not alive, what it said while it ran
 * @param live        what the machine has now, while the worker is alive and the hypervisor answers
 */
public record WorkerStatus(
        PartitionName name,
        VmState state,
        VmConfig config,
        OptionalLong pid,
        Accel accel,
        Instant startedAt,
        Optional<StopInfo> lastStop,
        GuestInfo guest,
        Optional<LiveResources> live) {

    public WorkerStatus {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(pid, "pid");
        Objects.requireNonNull(accel, "accel");
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(lastStop, "lastStop");
        Objects.requireNonNull(guest, "guest");
        Objects.requireNonNull(live, "live");
    }
}
