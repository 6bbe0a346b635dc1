package dev.celadon.reconciler.config;

import dev.celadon.hypervisor.Hypervisor;
import dev.celadon.hypervisor.qemu.AccelChoice;
import dev.celadon.hypervisor.qemu.QemuHypervisor;
import dev.celadon.hypervisor.qemu.QemuSettings;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import java.util.List;

/** The production hypervisor: QEMU workers under the state dir, boot files from the images dirs. */
public class HypervisorProducer {

    @Produces
    @Singleton
    Hypervisor hypervisor(CeladonConfig config) {
        StateDirs dirs = StateDirs.from(config);
        QemuSettings settings = QemuSettings.defaults(dirs.hypervisor(), dirs.images(config))
                .withAccel(AccelChoice.parse(config.hypervisor().accel()))
                .withQemuBinary(config.hypervisor().qemuBinary())
                .withPassthroughAllowed(config.passthrough().allowed().orElse(List.of()));
        return new QemuHypervisor(settings);
    }

    /** Closing releases connections only: workers outlive the reconciler. */
    void close(@Disposes Hypervisor hypervisor) {
        hypervisor.close();
    }
}
