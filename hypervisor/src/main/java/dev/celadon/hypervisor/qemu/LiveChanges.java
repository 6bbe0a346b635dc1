package dev.celadon.hypervisor.qemu;

import dev.celadon.hypervisor.DiskConfig;
import dev.celadon.hypervisor.GuestProfile;
import dev.celadon.hypervisor.HypervisorException;
import dev.celadon.hypervisor.InvalidVmConfigException;
import dev.celadon.hypervisor.VmConfig;
import dev.celadon.hypervisor.qemu.qmp.QmpCommand;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Changes to a running worker that need no restart: memory through the balloon, disks grown with
 * {@code block_resize}. Each is checked whole before QEMU is asked for anything, and recorded after, so
 * the record always says what the machine has.
 */
final class LiveChanges {

    private LiveChanges() {
    }

    static void setMemory(QemuWorker worker, VmConfig config, long bytes) throws HypervisorException {
        if (config.profile() == GuestProfile.LEGACY) {
            throw new InvalidVmConfigException(worker.name(), "memory", "live memory changes need the balloon, which the legacy profile has not; restart to change memory");
        }
        if (bytes <= 0 || bytes > config.maxMemoryBytes()) {
            throw new InvalidVmConfigException(worker.name(), "memory", bytes + " bytes is not within maxMemory (" + config.maxMemoryBytes() + " bytes)");
        }
        worker.execute(new QmpCommand.SetBalloon(bytes), "change memory");
        worker.update(record -> record.withMemoryTarget(bytes));
    }

    static void growDisks(QemuWorker worker, VmConfig config, List<DiskConfig> disks) throws HypervisorException {
        Map<String, Long> current = worker.execute(new QmpCommand.QueryBlockSizes(), "grow disks");
        Map<String, Long> grow = new LinkedHashMap<>();
        for (DiskConfig disk : disks) {
            Optional<DiskConfig> running = config.disks().stream().filter(d -> d.name().equals(disk.name())).findFirst();
            if (running.isEmpty() || !running.get().withSize(0).equals(disk.withSize(0))) {
                throw new InvalidVmConfigException(worker.name(), "disks." + disk.name(),
                        "is not a disk of the running machine; adding or replacing a disk needs a restart");
            }
            Long size = current.get(QemuArgv.driveNode(disk.name()));
            if (disk.sizeBytes() == 0 || size == null) {
                continue;
            }
            if (disk.sizeBytes() < size) {
                throw DiskPreparer.shrinkRefused(worker.name(), disk.name(), size);
            }
            if (disk.sizeBytes() > size) {
                grow.put(disk.name(), disk.sizeBytes());
            }
        }
        for (Map.Entry<String, Long> disk : grow.entrySet()) {
            worker.execute(new QmpCommand.BlockResize(QemuArgv.driveNode(disk.getKey()), disk.getValue()),
                    "grow disk " + disk.getKey() + " to " + disk.getValue() + " bytes");
        }
        worker.update(record -> {
            // From the record's own config: the worker's config() carries the balloon's live target as its memory.
            VmConfig grown = VmConfigJson.fromJson(record.config()).withDisks(disks);
            return record.withConfig(VmConfigJson.hash(grown), VmConfigJson.toJson(grown));
        });
    }
}
