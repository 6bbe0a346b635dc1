package dev.celadon.hypervisor;

import java.time.Instant;
import java.util.List;
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
 * @param nics        the config's NICs as the hypervisor made them (MAC, tap, model), in the config's order
 * @param isolation   how the worker is fenced off: {@code none}, or {@code user UID:GID} and its limits (or why
 *                    there are none)
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
        Optional<LiveResources> live,
        List<NicInfo> nics,
        String isolation) {

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
        nics = List.copyOf(nics);
        Objects.requireNonNull(isolation, "isolation");
    }

    /** As root, unfenced: a hypervisor without isolation. */
    public WorkerStatus(PartitionName name, VmState state, VmConfig config, OptionalLong pid, Accel accel, Instant startedAt,
                        Optional<StopInfo> lastStop, GuestInfo guest, Optional<LiveResources> live, List<NicInfo> nics) {
        this(name, state, config, pid, accel, startedAt, lastStop, guest, live, nics, "none");
    }

    /** Without what the hypervisor made of the NICs. */
    public WorkerStatus(PartitionName name, VmState state, VmConfig config, OptionalLong pid, Accel accel, Instant startedAt,
                        Optional<StopInfo> lastStop, GuestInfo guest, Optional<LiveResources> live) {
        this(name, state, config, pid, accel, startedAt, lastStop, guest, live, List.of(), "none");
    }
}
