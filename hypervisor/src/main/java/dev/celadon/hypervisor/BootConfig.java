package dev.celadon.hypervisor;

import java.util.Objects;
import java.util.Optional;

/** How a partition boots. Paths are relative to one of the configured image directories. */
public sealed interface BootConfig {

    /** Direct kernel boot: the firmware is skipped and QEMU loads the kernel and initrd. */
    record Kernel(String kernel, Optional<String> initrd, String cmdline) implements BootConfig {
        public Kernel {
            Objects.requireNonNull(kernel, "kernel");
            Objects.requireNonNull(initrd, "initrd");
            cmdline = cmdline == null ? "" : cmdline;
        }
    }

    /**
     * Firmware boot from the first disk. {@code secureBoot}: UEFI firmware that runs only boot loaders signed
     * with the keys it holds (Microsoft's, as on a PC; Hyper-V's generation 2); {@link VmConfigRules} refuses it with BIOS.
     */
    record FromDisk(Firmware firmware, boolean secureBoot) implements BootConfig {
        public FromDisk {
            Objects.requireNonNull(firmware, "firmware");
        }

        /** Without Secure Boot. */
        public FromDisk(Firmware firmware) {
            this(firmware, false);
        }
    }
}
