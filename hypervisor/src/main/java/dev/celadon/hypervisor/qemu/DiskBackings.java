package dev.celadon.hypervisor.qemu;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The files the partitions' kept disks are made over, read from their qcow2 headers: a cached base image
 * may be removed only when no disk needs it, including the disk of a partition deleted with its disks kept.
 */
public final class DiskBackings {

    private DiskBackings() {
    }

    /**
     * The real paths of every file some disk under {@code stateDir} names, directly or further down its chain.
     *
     * @param dirs where the bases may lie (the image cache, the images dirs), real paths
     * @throws IOException when the disks cannot be listed: then nothing is known to be unused
     */
    public static Set<Path> of(Path stateDir, List<Path> dirs) throws IOException {
        Set<Path> used = new HashSet<>();
        Path root = WorkerPaths.disksRoot(stateDir);
        if (!Files.isDirectory(root)) {
            return used;
        }
        try (DirectoryStream<Path> partitions = Files.newDirectoryStream(root)) {
            for (Path partition : partitions) {
                if (!Files.isDirectory(partition)) {
                    continue;
                }
                try (DirectoryStream<Path> disks = Files.newDirectoryStream(partition, "*.qcow2")) {
                    for (Path disk : disks) {
                        try {
                            used.addAll(BackingChain.of(disk.toAbsolutePath(), dirs, BackingChain.MAX_IMAGES));
                        } catch (BackingChain.Problem e) {
                            // A disk whose chain is refused is never opened (a missing base, a name outside
                            // the dirs): it holds on to nothing that exists in the dirs.
                        }
                    }
                }
            }
        }
        return used;
    }
}
