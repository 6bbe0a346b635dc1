package dev.celadon.reconciler.config;

import dev.celadon.hypervisor.Hypervisor;
import dev.celadon.hypervisor.qemu.QemuHypervisor;
import dev.celadon.hypervisor.qemu.QemuSettings;
import dev.celadon.hypervisor.qemu.WorkerIsolation;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import dev.celadon.reconciler.spec.Quantities;
import jakarta.inject.Singleton;

import java.util.List;

/** The production hypervisor: QEMU workers under the state dir, boot files from the images dirs. */
public class HypervisorProducer {

    @Produces
    @Singleton
    Hypervisor hypervisor(CeladonConfig config) {
        StateDirs dirs = StateDirs.from(config);
        QemuSettings settings = QemuSettings.defaults(dirs.hypervisor(), dirs.images(config))
                .withAccel(config.hypervisor().accel())
                .withQemuBinary(config.hypervisor().qemuBinary())
                .withPassthroughAllowed(config.passthrough().allowed().orElse(List.of()))
                .withIsolation(new WorkerIsolation(config.hypervisor().isolation(), config.hypervisor().workerIds(),
                        Quantities.parse(config.hypervisor().workerMemoryOverhead()), config.hypervisor().workerPidsMax()));
        try {
            return new QemuHypervisor(settings);
        } catch (IllegalArgumentException e) {
            // The settings were checked as they were read; what the hypervisor refuses is the state dir's
            // length (its sockets' addresses must fit the kernel's limit).
            throw new ConfigException(StateDirs.KEY, dirs.root(), e.getMessage(), e);
        }
    }

    /** Closing releases connections only: workers outlive the reconciler. */
    void close(@Disposes Hypervisor hypervisor) {
        hypervisor.close();
    }
}
