package dev.celadon.hypervisor.qemu;

import dev.celadon.hypervisor.PciAddress;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Where the host's kernel interfaces are mounted. Always {@link #SYSTEM} in production; tests point
 * them at fake trees to exercise accelerator detection and VFIO checks without the hardware.
 */
public record HostPaths(Path proc, Path sys, Path dev) {

    public static final HostPaths SYSTEM = new HostPaths(Path.of("/proc"), Path.of("/sys"), Path.of("/dev"));

    public HostPaths {
        Objects.requireNonNull(proc, "proc");
        Objects.requireNonNull(sys, "sys");
        Objects.requireNonNull(dev, "dev");
    }

    Path kvm() {
        return dev.resolve("kvm");
    }

    /** The tun device, which QEMU opens to attach to a tap. */
    Path tun() {
        return dev.resolve("net").resolve("tun");
    }

    /** VFIO's container device, which QEMU opens once for all its assigned devices. */
    Path vfio() {
        return dev.resolve("vfio").resolve("vfio");
    }

    /** The IOMMU group of PCI device {@code address} (its sysfs {@code iommu_group} link's name), if it has one. */
    Optional<String> iommuGroup(PciAddress address) throws IOException {
        Path link = sys.resolve("bus/pci/devices").resolve(address.value()).resolve("iommu_group");
        return Files.exists(link) ? Optional.of(link.toRealPath().getFileName().toString()) : Optional.empty();
    }

    /** The device node of IOMMU group {@code group}, which QEMU opens to assign that group's devices. */
    Path vfioGroup(String group) {
        return dev.resolve("vfio").resolve(group);
    }

    Path cpuinfo() {
        return proc.resolve("cpuinfo");
    }
}
