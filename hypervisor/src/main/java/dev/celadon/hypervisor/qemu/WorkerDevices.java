package dev.celadon.hypervisor.qemu;

import dev.celadon.hypervisor.Accel;
import dev.celadon.hypervisor.NetworkConfig;
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
 * root is never given: it opens far more than a device.
 */
final class WorkerDevices {

    private static final int READ_WRITE_OTHERS = 0006;
    private static final int READ_WRITE_GROUP = 0060;

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

    /** The nodes a worker of {@code config} opens: the KVM device on KVM, the tun device for a NIC on a bridge. */
    List<Path> nodes(VmConfig config) {
        List<Path> nodes = new ArrayList<>(2);
        if (accel == Accel.KVM) {
            nodes.add(host.kvm());
        }
        if (config.networks().stream().anyMatch(nic -> nic.attachment() instanceof NetworkConfig.Bridge)) {
            nodes.add(host.tun());
        }
        return nodes;
    }
}
