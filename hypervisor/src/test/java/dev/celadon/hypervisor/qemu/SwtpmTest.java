package dev.celadon.hypervisor.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.celadon.hypervisor.PartitionName;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SwtpmTest {

    @TempDir
    Path dir;

    @Test
    void itsCommandLineKeepsItsStateWithTheDisksAndItsSocketInTheRunDir() {
        WorkerPaths paths = WorkerPaths.of(Path.of("/var/lib/celadon"), new PartitionName("win-11"));
        WorkerPaths.RunPaths run = new WorkerPaths.RunPaths(Path.of("/var/lib/celadon/run/r0n1d2x3y4"));
        assertThat(Swtpm.argv(paths, run)).containsExactly("swtpm", "socket", "--tpm2",
                "--tpmstate", "dir=/var/lib/celadon/disks/win-11/tpm,mode=0600",
                "--ctrl", "type=unixio,path=/var/lib/celadon/run/r0n1d2x3y4/tpm.sock,mode=0600",
                "--pid", "file=/var/lib/celadon/run/r0n1d2x3y4/swtpm.pid",
                "--terminate");
    }

    /** A pid file may outlive its swtpm and its pid be reused: only a process naming this run's socket is ours. */
    @Test
    void aPidWhoseProcessIsNotThisRunsSwtpmIsNeverFound() throws Exception {
        WorkerPaths paths = WorkerPaths.of(dir.resolve("state"), new PartitionName("p"));
        WorkerPaths.RunPaths run = paths.newRun();
        Files.createDirectories(run.dir());
        long self = ProcessHandle.current().pid();
        Files.writeString(run.tpmPidFile(), self + "\n");
        Path proc = dir.resolve("proc");
        Path pidDir = Files.createDirectories(proc.resolve(Long.toString(self)));
        Files.copy(Path.of("/proc/self/stat"), pidDir.resolve("stat"));
        Processes processes = new Processes(proc);

        Files.writeString(pidDir.resolve("cmdline"), "swtpm\0socket\0--ctrl\0type=unixio,path=/elsewhere/tpm.sock,mode=0600\0",
                StandardCharsets.UTF_8);
        assertThat(Swtpm.find(processes, run)).isEmpty();

        Files.writeString(pidDir.resolve("cmdline"), String.join("\0", Swtpm.argv(paths, run)) + "\0", StandardCharsets.UTF_8);
        assertThat(Swtpm.find(processes, run)).map(ProcessHandle::pid).hasValue(self);

        Files.writeString(run.tpmPidFile(), "not a pid");
        assertThat(Swtpm.find(processes, run)).isEmpty();
    }
}
