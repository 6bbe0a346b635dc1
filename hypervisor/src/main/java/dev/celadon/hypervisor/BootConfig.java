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

    /** Firmware boot from the first disk. */
    record FromDisk(Firmware firmware) implements BootConfig {
        public FromDisk {
            Objects.requireNonNull(firmware, "firmware");
        }
    }
}
