package dev.celadon.benchmarks;

import dev.celadon.hypervisor.BootConfig;
import dev.celadon.hypervisor.DiskConfig;
import dev.celadon.hypervisor.GuestProfile;
import dev.celadon.hypervisor.IntegrationServices;
import dev.celadon.hypervisor.NetworkConfig;
import dev.celadon.hypervisor.PartitionName;
import dev.celadon.hypervisor.VmConfig;
import dev.celadon.reconciler.spec.DeletionPolicy;
import dev.celadon.reconciler.spec.Partition;
import dev.celadon.reconciler.spec.Placement;
import dev.celadon.reconciler.spec.RestartPolicy;
import dev.celadon.reconciler.spec.RunState;
import dev.celadon.reconciler.spec.SourceLocation;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;

/** A fleet of ordinary partitions: a disk, a network, 1 CPU, 128Mi, as the demo's. */
final class Fleet {

    private Fleet() {
    }

    static List<Partition> of(int size) {
        return IntStream.range(0, size).mapToObj(i -> partition(String.format("vm-%05d", i))).toList();
    }

    private static Partition partition(String name) {
        VmConfig vm = new VmConfig(new PartitionName(name), GuestProfile.ENLIGHTENED, 1, 128L << 20, 256L << 20,
                new BootConfig.Kernel("tiny/vmlinuz", Optional.of("tiny/initrd.img"), "console=ttyS0"),
                List.of(new DiskConfig("root", new DiskConfig.Overlay("tiny/base.qcow2", 0))),
                List.of(new NetworkConfig("lan", new NetworkConfig.User(List.of()))), List.of(),
                IntegrationServices.ALL, Duration.ofSeconds(30));
        return new Partition(vm.name(), Map.of("tier", "web"), RunState.RUNNING, Placement.EVERYWHERE, vm,
                RestartPolicy.ALWAYS, DeletionPolicy.RETAIN, false, new SourceLocation(name + ".yaml", 1, 1));
    }
}
