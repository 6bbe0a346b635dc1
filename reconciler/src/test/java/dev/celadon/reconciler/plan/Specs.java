package dev.celadon.reconciler.plan;

import dev.celadon.hypervisor.BootConfig;
import dev.celadon.hypervisor.DiskConfig;
import dev.celadon.hypervisor.GuestProfile;
import dev.celadon.hypervisor.IntegrationServices;
import dev.celadon.hypervisor.PartitionName;
import dev.celadon.hypervisor.VmConfig;
import dev.celadon.reconciler.spec.DeletionPolicy;
import dev.celadon.reconciler.spec.Dependency;
import dev.celadon.reconciler.spec.Partition;
import dev.celadon.reconciler.spec.Placement;
import dev.celadon.reconciler.spec.RestartPolicy;
import dev.celadon.reconciler.spec.Rollout;
import dev.celadon.reconciler.spec.RunState;
import dev.celadon.reconciler.spec.SourceLocation;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Builds partitions for tests: the tiny guest, 1 CPU, 128Mi, changed one field at a time. */
public final class Specs {

    public static final long MI = 1L << 20;

    private Specs() {
    }

    public static Partition partition(String name) {
        VmConfig vm = new VmConfig(new PartitionName(name), GuestProfile.ENLIGHTENED, 1, 128 * MI, 256 * MI,
                new BootConfig.Kernel("tiny/vmlinuz", Optional.of("tiny/initrd.img"), "console=ttyS0"),
                List.of(), List.of(), List.of(), IntegrationServices.ALL, Duration.ofSeconds(30));
        return new Partition(vm.name(), Map.of(), RunState.RUNNING, Placement.EVERYWHERE, vm, RestartPolicy.ALWAYS,
                DeletionPolicy.RETAIN, false, new SourceLocation(name + ".yaml", 1, 1));
    }

    public static Partition withVm(Partition p, VmConfig vm) {
        return p.withVm(vm);
    }

    public static Partition withDisks(Partition p, DiskConfig... disks) {
        return withVm(p, p.vm().withDisks(List.of(disks)));
    }

    public static Partition withCpus(Partition p, int cpus) {
        VmConfig v = p.vm();
        return withVm(p, new VmConfig(v.name(), v.profile(), cpus, v.memoryBytes(), v.maxMemoryBytes(), v.boot(),
                v.disks(), v.networks(), v.devices(), v.integration(), v.shutdownGracePeriod()));
    }

    public static Partition withMemory(Partition p, long memory, long maxMemory) {
        VmConfig v = p.vm();
        return withVm(p, new VmConfig(v.name(), v.profile(), v.cpus(), memory, maxMemory, v.boot(),
                v.disks(), v.networks(), v.devices(), v.integration(), v.shutdownGracePeriod()));
    }

    public static Partition withProfile(Partition p, GuestProfile profile) {
        VmConfig v = p.vm();
        return withVm(p, new VmConfig(v.name(), profile, v.cpus(), v.memoryBytes(), v.maxMemoryBytes(), v.boot(),
                v.disks(), v.networks(), v.devices(), v.integration(), v.shutdownGracePeriod()));
    }

    public static Partition with(Partition p, RunState runState) {
        return new Partition(p.name(), p.labels(), runState, p.placement(), p.vm(), p.restartPolicy(),
                p.deletionPolicy(), p.protectedFromDeletion(), p.source(), p.readiness(), p.dependsOn(), p.rollout());
    }

    public static Partition with(Partition p, RestartPolicy policy) {
        return new Partition(p.name(), p.labels(), p.runState(), p.placement(), p.vm(), policy,
                p.deletionPolicy(), p.protectedFromDeletion(), p.source(), p.readiness(), p.dependsOn(), p.rollout());
    }

    public static Partition with(Partition p, Rollout rollout) {
        return new Partition(p.name(), p.labels(), p.runState(), p.placement(), p.vm(), p.restartPolicy(),
                p.deletionPolicy(), p.protectedFromDeletion(), p.source(), p.readiness(), p.dependsOn(), rollout);
    }

    public static Partition with(Partition p, Placement placement) {
        return new Partition(p.name(), p.labels(), p.runState(), placement, p.vm(), p.restartPolicy(),
                p.deletionPolicy(), p.protectedFromDeletion(), p.source(), p.readiness(), p.dependsOn(), p.rollout());
    }

    /** The same partition depending on the named ones; apply it last, as the other copies here drop it. */
    public static Partition dependsOn(Partition p, String... names) {
        List<Dependency> dependencies = new java.util.ArrayList<>();
        for (String name : names) {
            dependencies.add(new Dependency(new PartitionName(name), new SourceLocation(p.name() + ".yaml", 9, 3),
                    "spec.dependsOn[" + dependencies.size() + "]"));
        }
        return new Partition(p.name(), p.labels(), p.runState(), p.placement(), p.vm(), p.restartPolicy(),
                p.deletionPolicy(), p.protectedFromDeletion(), p.source(), p.readiness(), dependencies, p.rollout());
    }
}
