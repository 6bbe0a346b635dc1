package dev.celadon.hypervisor.qemu;

import dev.celadon.hypervisor.BootConfig;
import dev.celadon.hypervisor.GuestProfile;
import dev.celadon.hypervisor.IntegrationServices;
import dev.celadon.hypervisor.PartitionName;
import dev.celadon.hypervisor.VmConfig;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** The config of the tests whose worker is scripted, not QEMU: a kernel to boot and nothing else. */
final class KernelOnlyConfig {

    static final long MIB = 1024 * 1024;

    private KernelOnlyConfig() {
    }

    /** 256 MiB of at most 512 MiB (so launches set the balloon), the tiny guest's kernel, no disks or networks. */
    static VmConfig of(PartitionName name) {
        return new VmConfig(name, GuestProfile.ENLIGHTENED, 1, 256 * MIB, 512 * MIB,
                new BootConfig.Kernel("tiny/vmlinuz", Optional.empty(), ""), List.of(), List.of(), List.of(),
                IntegrationServices.ALL, Duration.ofSeconds(30));
    }
}
