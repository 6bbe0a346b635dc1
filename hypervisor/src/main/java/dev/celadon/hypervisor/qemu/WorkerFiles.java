package dev.celadon.hypervisor.qemu;

import dev.celadon.hypervisor.DiskConfig;
import dev.celadon.hypervisor.VmConfig;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * Who may touch a partition's files. Its worker dir and disks dir belong to root with the worker's group
 * ({@code rwx--x---}): the worker reaches its files in them but cannot list, add, replace or remove
 * anything, its record above all. Its disks, UEFI variables, seed and pid file are the worker's own,
 * {@code rw-------}; its run dir, where QEMU makes its sockets, is the worker's, {@code rwx------}. No other
 * worker, and no other account but root, reaches any of it. With isolation {@code none} the same modes
 * hold with root as the owner.
 */
final class WorkerFiles {

    private static final Logger LOG = Logger.getLogger(WorkerFiles.class);
    static final String PRIVATE_FILE = "rw-------";
    static final String PRIVATE_DIR = "rwx------";
    /** Root's, the worker may pass through it to its own files. */
    static final String PASS_THROUGH = "rwx--x---";
    /** The state dir and the roots under it: every worker passes through, none lists them. */
    static final String TRAVERSE = "rwx--x--x";

    private WorkerFiles() {
    }

    /**
     * Before a launch: the partition's files given to its identity, and its pass-through block devices and the nodes
     * of its PCI devices' IOMMU groups ({@code vfioGroups}) handed over (their owner becomes the worker; group and mode
     * stay, so the host's {@code disk} group keeps its access), as libvirt's DAC driver does.
     */
    static void grant(WorkerIdentity identity, WorkerPaths paths, WorkerPaths.RunPaths run, ResolvedVm vm,
            List<Path> vfioGroups) throws IOException {
        if (identity.isolated()) {
            for (ResolvedVm.Disk disk : vm.disks()) {
                if (disk.kind() == ResolvedVm.Disk.Kind.PASSTHROUGH) {
                    setOwner(disk.path(), identity.uid());
                }
            }
            for (Path group : vfioGroups) {
                setOwner(group, identity.uid());
            }
        }
        identity.enter(paths.workerDir(), PASS_THROUGH);
        if (!Files.exists(paths.pidFile())) {
            // QEMU opens the existing file; it could not make one in a folder it may not write.
            Files.createFile(paths.pidFile());
        }
        identity.own(paths.pidFile(), PRIVATE_FILE);
        if (Files.exists(paths.seed())) {
            identity.own(paths.seed(), PRIVATE_FILE);
        }
        if (Files.isDirectory(paths.disksDir())) {
            identity.enter(paths.disksDir(), PASS_THROUGH);
            try (DirectoryStream<Path> files = Files.newDirectoryStream(paths.disksDir(), Files::isRegularFile)) {
                for (Path file : files) {
                    identity.own(file, PRIVATE_FILE);
                }
            }
        }
        identity.own(run.dir(), PRIVATE_DIR);
    }

    /**
     * Once the worker is gone: its pass-through block devices and IOMMU groups' nodes back to root, so no later owner
     * of the uid reaches them.
     */
    static void giveBack(VmConfig config, List<Path> vfioGroups) {
        List<Path> devices = new ArrayList<>(vfioGroups);
        for (DiskConfig disk : config.disks()) {
            if (disk.source() instanceof DiskConfig.Passthrough passthrough) {
                devices.add(Path.of(passthrough.devicePath()));
            }
        }
        for (Path device : devices) {
            try {
                setOwner(device, 0);
            } catch (IOException e) {
                LOG.warnf("%s: cannot give %s back to root: %s", config.name(), device, e.getMessage());
            }
        }
    }

    private static void setOwner(Path device, int uid) throws IOException {
        Files.setOwner(device, device.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(Integer.toString(uid)));
    }

    /**
     * Mode {@code user} at start: workers must reach the state dir, so every folder above it must let others
     * pass ({@code x}); the state dir and its roots let them pass and no more.
     */
    static void prepareStateDir(Path stateDir) throws IOException {
        for (Path dir = stateDir.getParent(); dir != null; dir = dir.getParent()) {
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(dir);
            if (!permissions.contains(PosixFilePermission.OTHERS_EXECUTE)) {
                throw new IllegalArgumentException("celadon.hypervisor.isolation=user: the workers' accounts cannot reach the"
                        + " state dir " + stateDir + ": " + dir + " is " + PosixFilePermissions.toString(permissions)
                        + " (others need x); chmod o+x " + dir + ", choose another state dir, or set"
                        + " celadon.hypervisor.isolation=none");
            }
        }
        for (Path dir : new Path[] {stateDir, stateDir.resolve("workers"), WorkerPaths.disksRoot(stateDir),
                WorkerPaths.runRoot(stateDir)}) {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString(TRAVERSE));
        }
    }
}
