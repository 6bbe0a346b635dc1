package dev.celadon.hypervisor.qemu;

import dev.celadon.hypervisor.Accel;
import dev.celadon.hypervisor.NetworkConfig;
import dev.celadon.hypervisor.PciAddress;
import dev.celadon.hypervisor.VmConfig;
import dev.celadon.hypervisor.WorkerLaunchException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The device nodes a worker opens itself, and the access an isolated one gets to them: QEMU opens
 * {@code /dev/kvm} for KVM and {@code /dev/net/tun} to attach to its taps. A node others may read and
 * write (udev's default for the tun device) needs nothing; one its group may (Debian's {@code /dev/kvm},
 * {@code 0660} group kvm) gives the worker that group as its only supplementary one, as libvirt puts its
 * qemu user in kvm; one only root may open is refused here with what to do, before QEMU fails on it. Group
 * root is never given: it opens far more than a device. The IOMMU group of a PCI device assigned through VFIO
 * is the partition's alone: its node ({@code /dev/vfio/N}, {@code 0600} root) is handed to the worker's uid while it
 * runs ({@link WorkerFiles}), as libvirt hands it to its qemu user, and the worker may lock its guest's memory.
 */
final class WorkerDevices {

    private static final int READ_WRITE_OTHERS = 0006;
    private static final int READ_WRITE_GROUP = 0060;
    /**
     * What a worker with a VFIO device may lock beyond its guest's memory, which QEMU pins whole for the device's
     * DMA: its own mappings (ROMs, the device's regions), with libvirt's margin.
     */
    static final long VFIO_MEMLOCK_MARGIN = 1L << 30;

    private final HostPaths host;
    private final Accel accel;

    WorkerDevices(HostPaths host, Accel accel) {
        this.host = host;
        this.accel = accel;
    }

    /** A device node and the supplementary group an isolated worker is given for it (never root's). */
    record Grant(Path node, int gid) {

        @Override
        public String toString() {
            return "group " + gid + " for " + node;
        }
    }

    /**
     * What an isolated worker of {@code config} is given to open its devices: the groups, one per node that
     * needs one. Refused, naming the node and what to do, when a node it opens is closed to it.
     */
    List<Grant> grants(VmConfig config) throws WorkerLaunchException {
        List<Grant> grants = new ArrayList<>();
        for (Path node : nodes(config)) {
            int mode;
            int gid;
            try {
                mode = (Integer) Files.getAttribute(node, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 0777;
                gid = (Integer) Files.getAttribute(node, "unix:gid", LinkOption.NOFOLLOW_LINKS);
            } catch (IOException e) {
                continue; // Absent: QEMU says so itself, as it would for a worker running as root.
            }
            if ((mode & READ_WRITE_OTHERS) == READ_WRITE_OTHERS) {
                continue;
            }
            if ((mode & READ_WRITE_GROUP) == READ_WRITE_GROUP && gid != 0) {
                grants.add(new Grant(node, gid));
                continue;
            }
            throw new WorkerLaunchException(config.name(), node + " is mode " + String.format("%04o", mode) + " group " + gid
                    + ": an isolated worker (its own uid, no capabilities) cannot open it; let others read and write it"
                    + " (udev's default for /dev/net/tun is 0666) or a group other than root (Debian's /dev/kvm is 0660 group"
                    + " kvm), or set celadon.hypervisor.isolation=none", "", null);
        }
        return grants;
    }

    /**
     * The nodes a worker of {@code config} opens that others may share: the KVM device on KVM, the tun device for a
     * NIC on a bridge, VFIO's container for a PCI device.
     */
    List<Path> nodes(VmConfig config) {
        List<Path> nodes = new ArrayList<>(3);
        if (accel == Accel.KVM) {
            nodes.add(host.kvm());
        }
        if (config.networks().stream().anyMatch(nic -> nic.attachment() instanceof NetworkConfig.Bridge)) {
            nodes.add(host.tun());
        }
        if (!config.devices().isEmpty()) {
            nodes.add(host.vfio());
        }
        return nodes;
    }

    /** The nodes of the IOMMU groups of {@code config}'s PCI devices, each once: its own while it runs. */
    List<Path> vfioGroups(VmConfig config) {
        List<Path> groups = new ArrayList<>();
        for (PciAddress address : config.devices()) {
            try {
                host.iommuGroup(address).map(host::vfioGroup).filter(group -> !groups.contains(group)).ifPresent(groups::add);
            } catch (IOException e) {
                // Unreadable: the launch's checks (ConfigResolver) refuse that device, naming it.
            }
        }
        return groups;
    }

    /** The RLIMIT_MEMLOCK a worker of {@code config} needs: for a VFIO device, its guest's memory and a margin; else 0. */
    long memlock(VmConfig config) {
        return config.devices().isEmpty() ? 0 : config.maxMemoryBytes() + VFIO_MEMLOCK_MARGIN;
    }
}
