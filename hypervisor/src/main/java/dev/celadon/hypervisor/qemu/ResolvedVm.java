package dev.celadon.hypervisor.qemu;

import dev.celadon.hypervisor.VmConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A {@link VmConfig} with every path resolved and checked on this host: the input of the pure
 * argv builder, so that the builder needs no file system.
 */
record ResolvedVm(VmConfig config, Optional<Kernel> kernel, Optional<Uefi> uefi, List<Disk> disks) {

    ResolvedVm {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(kernel, "kernel");
        Objects.requireNonNull(uefi, "uefi");
        disks = List.copyOf(disks);
    }

    /** Direct kernel boot files, real paths inside an images dir. */
    record Kernel(Path kernel, Optional<Path> initrd, String cmdline) {
    }

    /**
     * UEFI firmware: shared read-only code, and the partition's own variable store, copied from
     * {@code template} at the first start. Secure Boot firmware needs SMM, so that only the firmware
     * itself can write the store that holds its keys.
     */
    record Uefi(Path code, Path template, Path vars, boolean secureBoot) {
    }

    /**
     * One disk as QEMU opens it. {@code backing} and {@code sizeBytes} say how to create an image disk
     * that does not exist yet; they are not part of the argv.
     */
    record Disk(String name, Kind kind, Path path, Optional<Path> backing, long sizeBytes) {
        enum Kind {
            /** A qcow2 file in the state dir: an overlay or a blank disk. */
            IMAGE,
            /** A host block device handed through as SCSI. */
            PASSTHROUGH
        }
    }
}
