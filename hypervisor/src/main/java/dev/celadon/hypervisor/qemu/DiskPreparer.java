package dev.celadon.hypervisor.qemu;

import dev.celadon.hypervisor.HypervisorException;
import dev.celadon.hypervisor.InvalidVmConfigException;
import dev.celadon.hypervisor.PartitionName;
import dev.celadon.hypervisor.WorkerControlException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Creates the disks a worker opens, with qemu-img, where they do not exist yet. Existing disks are
 * kept: they are the partition's data across restarts. A disk is created under a temporary name
 * and renamed when complete, so a failed creation never leaves a half-made disk to be kept. An
 * existing disk smaller than its spec asks is grown; one larger is never shrunk: the start is refused.
 */
final class DiskPreparer {

    private static final byte[] QCOW2_MAGIC = {'Q', 'F', 'I', (byte) 0xFB};
    private static final long TIMEOUT_SECONDS = 120;

    private final String qemuImg;

    DiskPreparer(String qemuImg) {
        this.qemuImg = qemuImg;
    }

    void prepare(ResolvedVm vm, WorkerPaths paths) throws HypervisorException {
        PartitionName name = vm.config().name();
        for (ResolvedVm.Disk disk : vm.disks()) {
            if (disk.kind() != ResolvedVm.Disk.Kind.IMAGE) {
                continue;
            }
            if (Files.exists(disk.path())) {
                growIfSmaller(name, disk, paths);
                continue;
            }
            Path temp = disk.path().resolveSibling(disk.path().getFileName() + ".creating");
            List<String> command = new ArrayList<>(List.of(qemuImg, "create", "-q", "-f", "qcow2"));
            if (disk.backing().isPresent()) {
                Path base = disk.backing().get();
                // An absolute backing path: the overlay stays valid wherever QEMU's cwd is.
                command.addAll(List.of("-F", format(name, disk.name(), base), "-b", base.toAbsolutePath().toString()));
            }
            command.add(temp.toString());
            if (disk.sizeBytes() > 0) {
                command.add(Long.toString(disk.sizeBytes()));
            }
            run(name, "prepare disk " + disk.name(), paths.disksDir(), command);
            move(name, disk.name(), temp, disk.path());
        }
        if (vm.uefi().isPresent() && !Files.exists(vm.uefi().get().vars())) {
            try {
                Files.createDirectories(paths.disksDir());
                Files.copy(vm.uefi().get().template(), vm.uefi().get().vars());
            } catch (IOException e) {
                throw new WorkerControlException(name, "prepare UEFI variables", e.getMessage(), e);
            }
        }
    }

    private void growIfSmaller(PartitionName name, ResolvedVm.Disk disk, WorkerPaths paths) throws HypervisorException {
        if (disk.sizeBytes() == 0) {
            return;
        }
        long size = sizeNotShrunk(name, disk);
        if (disk.sizeBytes() > size) {
            run(name, "resize disk " + disk.name(), paths.disksDir(), List.of(qemuImg, "resize", "-q", "-f", "qcow2",
                    disk.path().toString(), Long.toString(disk.sizeBytes())));
        }
    }

    /**
     * Refuses, changing nothing, what {@link #prepare} would refuse: a kept disk asked to shrink. Read from
     * the qcow2 header itself, without qemu-img, whose lock a running worker's QEMU holds.
     */
    static void checkSizes(ResolvedVm vm) throws HypervisorException {
        for (ResolvedVm.Disk disk : vm.disks()) {
            if (disk.kind() == ResolvedVm.Disk.Kind.IMAGE && disk.sizeBytes() != 0 && Files.exists(disk.path())) {
                sizeNotShrunk(vm.config().name(), disk);
            }
        }
    }

    /** The kept disk's virtual size, if the config does not ask for less. */
    private static long sizeNotShrunk(PartitionName name, ResolvedVm.Disk disk) throws HypervisorException {
        long size = virtualSize(name, disk);
        if (disk.sizeBytes() < size) {
            throw shrinkRefused(name, disk.name(), size);
        }
        return size;
    }

    /** The virtual size in a qcow2 header: bytes 24 to 31, big-endian (QEMU's docs/interop/qcow2.txt). */
    private static long virtualSize(PartitionName name, ResolvedVm.Disk disk) throws WorkerControlException {
        try (InputStream in = Files.newInputStream(disk.path())) {
            byte[] header = in.readNBytes(32);
            if (header.length < 32 || !Arrays.equals(Arrays.copyOf(header, 4), QCOW2_MAGIC)) {
                throw new WorkerControlException(name, "read disk " + disk.name(), disk.path() + " is not a qcow2 image", null);
            }
            return java.nio.ByteBuffer.wrap(header, 24, 8).getLong();
        } catch (IOException e) {
            throw new WorkerControlException(name, "read disk " + disk.name(), e.getMessage(), e);
        }
    }

    /** Shrinking a disk would cut its data off; neither a start nor a live change does it. */
    static InvalidVmConfigException shrinkRefused(PartitionName name, String disk, long currentBytes) {
        return new InvalidVmConfigException(name, "disks." + disk + ".size", "the disk has " + currentBytes
                + " bytes and is never shrunk (its data would be cut off); ask for at least that");
    }

    private static String format(PartitionName name, String disk, Path base) throws WorkerControlException {
        try (InputStream in = Files.newInputStream(base)) {
            return Arrays.equals(in.readNBytes(4), QCOW2_MAGIC) ? "qcow2" : "raw";
        } catch (IOException e) {
            throw new WorkerControlException(name, "prepare disk " + disk, "cannot read base image " + base + ": " + e.getMessage(), e);
        }
    }

    private static void move(PartitionName name, String disk, Path from, Path to) throws WorkerControlException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new WorkerControlException(name, "prepare disk " + disk, e.getMessage(), e);
        }
    }

    /** Runs qemu-img and returns what it printed. */
    private static byte[] run(PartitionName name, String operation, Path dir, List<String> command) throws WorkerControlException {
        try {
            Files.createDirectories(dir);
            Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
            byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new WorkerControlException(name, operation, "qemu-img did not finish within " + TIMEOUT_SECONDS + " s", null);
            }
            if (process.exitValue() != 0) {
                throw new WorkerControlException(name, operation, "qemu-img exited with " + process.exitValue() + ": "
                        + new String(output, StandardCharsets.UTF_8).strip(), null);
            }
            return output;
        } catch (IOException e) {
            throw new WorkerControlException(name, operation, "cannot run " + command.getFirst() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WorkerControlException(name, operation, "interrupted", e);
        }
    }
}
