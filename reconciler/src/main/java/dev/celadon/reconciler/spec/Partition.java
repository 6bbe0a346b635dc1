package dev.celadon.reconciler.spec;

import dev.celadon.hypervisor.PartitionName;
import dev.celadon.hypervisor.VmConfig;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One parsed and validated {@code kind: Partition} document: the machine ({@link VmConfig}) plus
 * what the reconciler needs to decide about it.
 *
 * @param source    where the document starts, for messages about the partition as a whole
 * @param readiness when it counts as Ready ({@code spec.readiness})
 * @param dependsOn the partitions that must be Ready before it starts ({@code spec.dependsOn})
 * @param rollout   how a change to it is rolled out ({@code spec.rollout})
 */
public record Partition(
        PartitionName name,
        Map<String, String> labels,
        RunState runState,
        Placement placement,
        VmConfig vm,
        RestartPolicy restartPolicy,
        DeletionPolicy deletionPolicy,
        boolean protectedFromDeletion,
        SourceLocation source,
        ReadinessSpec readiness,
        List<Dependency> dependsOn,
        Rollout rollout) {

    public Partition {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(runState, "runState");
        Objects.requireNonNull(placement, "placement");
        Objects.requireNonNull(vm, "vm");
        Objects.requireNonNull(restartPolicy, "restartPolicy");
        Objects.requireNonNull(deletionPolicy, "deletionPolicy");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(readiness, "readiness");
        Objects.requireNonNull(rollout, "rollout");
        labels = Map.copyOf(labels);
        dependsOn = List.copyOf(dependsOn);
    }

    /**
     * With the default readiness (the heartbeat where the agent is asked for it), no dependencies, and changes
     * applied and kept ({@link Rollout#DEFAULT}).
     */
    public Partition(PartitionName name, Map<String, String> labels, RunState runState, Placement placement, VmConfig vm,
                     RestartPolicy restartPolicy, DeletionPolicy deletionPolicy, boolean protectedFromDeletion,
                     SourceLocation source) {
        this(name, labels, runState, placement, vm, restartPolicy, deletionPolicy, protectedFromDeletion, source,
                defaultReadiness(vm), List.of(), Rollout.DEFAULT);
    }

    /** {@code heartbeat: true} where the guest agent is asked for heartbeats, else nothing beyond a running worker. */
    public static ReadinessSpec defaultReadiness(VmConfig vm) {
        return heartbeatAsked(vm) ? ReadinessSpec.HEARTBEAT : ReadinessSpec.RUNNING;
    }

    static boolean heartbeatAsked(VmConfig vm) {
        return vm.hasAgentChannel() && vm.integration().heartbeat();
    }

    /** The same partition asked to be in another run state: stopped, before the appliance reboots into a new version. */
    public Partition withRunState(RunState other) {
        return new Partition(name, labels, other, placement, vm, restartPolicy, deletionPolicy,
                protectedFromDeletion, source, readiness, dependsOn, rollout);
    }

    /** The same partition running another machine: what a rolled-back partition runs. */
    public Partition withVm(VmConfig other) {
        return new Partition(name, labels, runState, placement, other, restartPolicy, deletionPolicy,
                protectedFromDeletion, source, readiness, dependsOn, rollout);
    }
}
