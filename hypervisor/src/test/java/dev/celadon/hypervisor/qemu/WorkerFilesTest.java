package dev.celadon.hypervisor.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.celadon.hypervisor.DiskConfig;
import dev.celadon.hypervisor.PartitionName;
import dev.celadon.hypervisor.VmConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Who owns what of a partition (run as root, as the reconciler does: chown needs it). */
class WorkerFilesTest {

    private static final WorkerIdentity WORKER = new WorkerIdentity(64077, 64077);

    @TempDir
    Path dir;

    @Test
    void passThroughDevicesAreTheWorkersWhileItRunsAndRootsAfterwards() throws IOException {
        // Files stand in for the device nodes: ownership works alike, and no host device is touched.
        Path device = Files.writeString(dir.resolve("sdz"), "");
        Files.setPosixFilePermissions(device, PosixFilePermissions.fromString("rw-rw----"));
        Path group = Files.writeString(dir.resolve("vfio-7"), "");
        Files.setPosixFilePermissions(group, PosixFilePermissions.fromString("rw-------"));
        VmConfig config = KernelOnlyConfig.of(new PartitionName("pt"))
                .withDisks(List.of(new DiskConfig("data", new DiskConfig.Passthrough(device.toString()))));
        WorkerPaths paths = WorkerPaths.of(dir.resolve("state"), config.name());
        WorkerPaths.RunPaths run = paths.newRun();
        Files.createDirectories(paths.workerDir());
        Files.createDirectories(run.dir());
        ResolvedVm vm = new ResolvedVm(config, Optional.empty(), Optional.empty(),
                List.of(new ResolvedVm.Disk("data", ResolvedVm.Disk.Kind.PASSTHROUGH, device, Optional.empty(), 0)));

        WorkerFiles.grant(WORKER, paths, run, vm, List.of(group));
        assertThat(Files.getAttribute(device, "unix:uid")).isEqualTo(64077);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(device))).isEqualTo("rw-rw----");
        assertThat(Files.getAttribute(group, "unix:uid")).as("the IOMMU group's node").isEqualTo(64077);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(group))).isEqualTo("rw-------");
        assertThat(Files.getAttribute(paths.pidFile(), "unix:uid")).isEqualTo(64077);
        assertThat(Files.getAttribute(paths.workerDir(), "unix:gid")).isEqualTo(64077);
        assertThat(Files.getAttribute(paths.workerDir(), "unix:uid")).isEqualTo(0);

        WorkerFiles.giveBack(config, List.of(group));
        assertThat(Files.getAttribute(device, "unix:uid")).isEqualTo(0);
        assertThat(Files.getAttribute(group, "unix:uid")).isEqualTo(0);
    }

    @Test
    void aStateDirBehindAClosedFolderIsRefusedNamingTheFolder() throws IOException {
        Path closed = Files.createDirectories(dir.resolve("closed"));
        Files.setPosixFilePermissions(closed, PosixFilePermissions.fromString("rwx------"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
        assertThatThrownBy(() -> WorkerFiles.prepareStateDir(closed.resolve("state")))
                .hasMessageContaining(closed + " is rwx------ (others need x)").hasMessageContaining("isolation=none");
        Files.setPosixFilePermissions(closed, PosixFilePermissions.fromString("rwx--x--x"));
        WorkerFiles.prepareStateDir(closed.resolve("state"));
        for (String sub : new String[] {"", "workers", "disks", "run"}) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(closed.resolve("state").resolve(sub))))
                    .isEqualTo("rwx--x--x");
        }
    }
}
