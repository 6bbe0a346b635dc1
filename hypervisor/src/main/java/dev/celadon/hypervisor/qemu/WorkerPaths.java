package dev.celadon.hypervisor.qemu;

import dev.celadon.hypervisor.PartitionName;
import java.nio.file.Path;

/**
 * Where one partition's files live under the state dir. The worker dir holds what belongs to the
 * running process and goes with the record; the disks dir outlives it.
 */
record WorkerPaths(Path workerDir, Path disksDir) {

    /** Unix socket paths longer than this do not fit in {@code sockaddr_un}. */
    static final int MAX_SOCKET_PATH = 107;

    static WorkerPaths of(Path stateDir, PartitionName name) {
        Path state = stateDir.toAbsolutePath().normalize();
        return new WorkerPaths(state.resolve("workers").resolve(name.value()), state.resolve("disks").resolve(name.value()));
    }

    Path record() {
        return workerDir.resolve("worker.json");
    }

    Path qmpSocket() {
        return workerDir.resolve("qmp.sock");
    }

    Path agentSocket() {
        return workerDir.resolve("agent.sock");
    }

    Path consoleLog() {
        return workerDir.resolve("console.log");
    }

    /** QEMU's own stdout and stderr: where it says why it refused to start. */
    Path qemuLog() {
        return workerDir.resolve("qemu.log");
    }

    Path disk(String diskName) {
        return disksDir.resolve(diskName + ".qcow2");
    }

    Path uefiVars() {
        return disksDir.resolve("OVMF_VARS.fd");
    }
}
