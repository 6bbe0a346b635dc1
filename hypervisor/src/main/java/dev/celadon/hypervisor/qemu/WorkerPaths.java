package dev.celadon.hypervisor.qemu;

import dev.celadon.hypervisor.PartitionName;
import java.nio.file.Path;
import java.security.SecureRandom;

/**
 * Where one partition's files live under the state dir. The worker dir ({@code workers/NAME/}) holds
 * what belongs to the worker and goes with the record; the disks dir ({@code disks/NAME/}) outlives it;
 * each launch has a run dir of its own ({@code run/ID/}) for its sockets.
 *
 * <p>Sockets are not in the worker dir for two reasons. A Unix socket path must fit in 107 bytes, and
 * a 63-character partition name under a long state dir does not; a short random id does. And QEMU
 * removes its sockets when it exits: a second QEMU of the same partition, had one ever run, would have
 * taken the live one's sockets with it.
 */
record WorkerPaths(Path workerDir, Path disksDir, Path runRoot) {

    /** Unix socket paths longer than this do not fit in {@code sockaddr_un}. */
    static final int MAX_SOCKET_PATH = 107;
    /** Characters of a run id: enough that two launches never meet (36^10), few enough to leave room for the state dir. */
    static final int RUN_ID_LENGTH = 10;
    private static final String RUN_ID_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789";
    private static final String LONGEST_SOCKET = "console.sock";
    private static final SecureRandom RANDOM = new SecureRandom();

    static WorkerPaths of(Path stateDir, PartitionName name) {
        Path state = stateDir.toAbsolutePath().normalize();
        return new WorkerPaths(state.resolve("workers").resolve(name.value()), disksRoot(state).resolve(name.value()),
                runRoot(state));
    }

    /** The state dir these paths lie under. */
    Path stateDir() {
        return runRoot.getParent();
    }

    /** Where every partition's disks dir lies. */
    static Path disksRoot(Path stateDir) {
        return stateDir.toAbsolutePath().normalize().resolve("disks");
    }

    static Path runRoot(Path stateDir) {
        return stateDir.toAbsolutePath().normalize().resolve("run");
    }

    /** The longest state dir whose sockets fit: checked once, at start, rather than failing every launch. */
    static int maxStateDirLength() {
        return MAX_SOCKET_PATH - "/run/".length() - RUN_ID_LENGTH - 1 - LONGEST_SOCKET.length();
    }

    /** A new launch's run dir. */
    RunPaths newRun() {
        StringBuilder id = new StringBuilder(RUN_ID_LENGTH);
        for (int i = 0; i < RUN_ID_LENGTH; i++) {
            id.append(RUN_ID_CHARS.charAt(RANDOM.nextInt(RUN_ID_CHARS.length())));
        }
        return new RunPaths(runRoot.resolve(id.toString()));
    }

    Path record() {
        return workerDir.resolve("worker.json");
    }

    /**
     * QEMU's pid file. QEMU holds a lock on it while it runs and refuses to start when another process
     * holds it: the kernel's own guarantee of one QEMU per partition. Its path in QEMU's command line is
     * also the marker by which {@link WorkerScan} finds our workers in /proc.
     */
    Path pidFile() {
        return workerDir.resolve("qemu.pid");
    }

    /** The guest's serial console, at most {@link ConsoleCapture#CAP} bytes; {@code console.log.1} holds what came before. */
    Path consoleLog() {
        return workerDir.resolve("console.log");
    }

    /** QEMU's own stdout and stderr: where it says why it refused to start. */
    Path qemuLog() {
        return workerDir.resolve("qemu.log");
    }

    /** swtpm's own stdout and stderr. */
    Path tpmLog() {
        return workerDir.resolve("swtpm.log");
    }

    /**
     * The cloud-init seed ({@link SeedImage}), written at each launch from the config: it goes with the
     * worker, not with the disks, since the config is all it holds.
     */
    Path seed() {
        return workerDir.resolve("cidata.img");
    }

    Path disk(String diskName) {
        return disksDir.resolve(diskName + ".qcow2");
    }

    Path uefiVars() {
        return disksDir.resolve("OVMF_VARS.fd");
    }

    /** The variable store of Secure Boot firmware, begun from the template with Microsoft's keys. */
    Path secureBootVars() {
        return disksDir.resolve("OVMF_VARS.ms.fd");
    }

    /** The TPM's state (swtpm's files): with the disks, since a guest's secrets are sealed to it. */
    Path tpmState() {
        return disksDir.resolve("tpm");
    }

    /** One launch's sockets. */
    record RunPaths(Path dir) {

        Path qmpSocket() {
            return dir.resolve("qmp.sock");
        }

        Path agentSocket() {
            return dir.resolve("agent.sock");
        }

        Path consoleSocket() {
            return dir.resolve(LONGEST_SOCKET);
        }

        /** swtpm's control socket, which QEMU connects to. */
        Path tpmSocket() {
            return dir.resolve("tpm.sock");
        }

        /** swtpm's pid, by which a later reconciler finds it again. */
        Path tpmPidFile() {
            return dir.resolve("swtpm.pid");
        }
    }
}
