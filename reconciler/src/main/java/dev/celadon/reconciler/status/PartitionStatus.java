package dev.celadon.reconciler.status;

import io.quarkus.runtime.annotations.RegisterForReflection;

import java.util.List;

/**
 * One partition as status shows it.
 *
 * @param runState the desired run state from Git ({@code Running}/{@code Stopped})
 * @param revision the revision whose spec this partition was last applied from
 * @param worker   null when no worker process is alive
 * @param pending  what the next apply will do and why, null when nothing is pending
 * @param networks the worker's NICs (MAC, tap, bridge, VLAN, model, the guest's addresses); empty without a worker
 */
@RegisterForReflection
public record PartitionStatus(
        String name,
        Phase phase,
        String runState,
        String revision,
        WorkerView worker,
        GuestView guest,
        List<Condition> conditions,
        int restarts,
        String pending,
        List<NetworkView> networks) {

    public PartitionStatus {
        conditions = List.copyOf(conditions);
        networks = List.copyOf(networks);
    }

    /** Without NICs. */
    public PartitionStatus(String name, Phase phase, String runState, String revision, WorkerView worker, GuestView guest,
                           List<Condition> conditions, int restarts, String pending) {
        this(name, phase, runState, revision, worker, guest, conditions, restarts, pending, List.of());
    }
}
