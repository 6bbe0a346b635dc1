package dev.celadon.hypervisor.qemu;

import java.nio.file.Path;
import java.util.Objects;

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

    Path cpuinfo() {
        return proc.resolve("cpuinfo");
    }
}
