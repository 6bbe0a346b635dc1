package dev.celadon.hypervisor.contract;

import dev.celadon.hypervisor.BootConfig;
import dev.celadon.hypervisor.GuestProfile;
import dev.celadon.hypervisor.Hypervisor;
import dev.celadon.hypervisor.IntegrationServices;
import dev.celadon.hypervisor.PartitionName;
import dev.celadon.hypervisor.StopReason;
import dev.celadon.hypervisor.VmConfig;
import dev.celadon.hypervisor.WorkerLaunchException;
import dev.celadon.hypervisor.fake.FakeHypervisor;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The contract against the in-memory fake, on a host whose images dirs hold the tiny guest. */
class FakeHypervisorContractTest extends HypervisorContract {

    @Override
    protected Hypervisor newHypervisor() {
        FakeHypervisor fake = new FakeHypervisor();
        fake.setImages(Map.of("tiny/vmlinuz", 0L, "tiny/initrd.img", 0L, "tiny/base.qcow2", 64 * MIB));
        return fake;
    }

    @Override
    protected Hypervisor reopen(Hypervisor first) {
        return ((FakeHypervisor) first).reopen();
    }

    @Override
    protected VmConfig bootable(PartitionName name) {
        return new VmConfig(name, GuestProfile.ENLIGHTENED, 1, 128 * MIB, 256 * MIB,
                new BootConfig.Kernel("tiny/vmlinuz", Optional.of("tiny/initrd.img"), "console=ttyS0"),
                List.of(), List.of(), List.of(), new IntegrationServices(true, false, true), Duration.ofSeconds(30));
    }

    @Override
    protected String bootMessage(PartitionName name) {
        return FakeHypervisor.bootMessage(name).strip();
    }

    @Override
    protected String absentImage() {
        return "tiny/no-such-file";
    }

    @Override
    protected void killWorkerProcess(Hypervisor hypervisor, PartitionName name) {
        ((FakeHypervisor) hypervisor).crash(name, StopReason.WORKER_KILLED);
    }

    @Override
    protected VmConfig failingLaunch(Hypervisor hypervisor, VmConfig config) {
        ((FakeHypervisor) hypervisor).failNextStart(config.name(),
                new WorkerLaunchException(config.name(), "qemu-system-x86_64 exited with code 1 before opening QMP", "", null));
        return config;
    }
}
