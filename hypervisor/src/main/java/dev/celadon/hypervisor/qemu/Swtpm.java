package dev.celadon.hypervisor.qemu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A partition's TPM 2.0: its own {@code swtpm} process, one per launch, with its state in the partition's
 * disks dir ({@link WorkerPaths#tpmState()}) and its control socket in the launch's run dir. Everything
 * about the swtpm process is here: its command line (spawned by {@link Launcher} as the worker's QEMU is,
 * so under the same identity), finding it again after a reconciler restart, and ending it.
 *
 * <p>Its life is the worker's: QEMU connects to it at start, and {@code --terminate} ends swtpm when that
 * connection closes, so a QEMU that exits for any reason, SIGKILL included, takes its TPM with it and an
 * adopted worker keeps its TPM without any help. Only a swtpm that no QEMU ever connected to (a launch that
 * failed or was cut off between the two spawns) is ended by us: {@link #stop}, from the run dir's cleanup.
 */
final class Swtpm {

    static final String BINARY = "swtpm";
    private static final Duration STOP_STEP = Duration.ofSeconds(5);

    private Swtpm() {
    }

    /** swtpm on the workers' PATH, if installed. */
    static Optional<Path> binary() {
        return Launcher.onPath(BINARY);
    }

    /**
     * The command line. Files 0600 (state) and a 0600 socket: the worker's identity and the reconciler only.
     * No {@code startup-clear}: the firmware sends TPM2_Startup itself, as on real hardware.
     */
    static List<String> argv(WorkerPaths paths, WorkerPaths.RunPaths run) {
        return List.of(BINARY, "socket", "--tpm2",
                "--tpmstate", "dir=" + QemuArgv.escape(paths.tpmState()) + ",mode=0600",
                "--ctrl", control(run),
                "--pid", "file=" + QemuArgv.escape(run.tpmPidFile()),
                "--terminate");
    }

    /**
     * The launch's swtpm, if it still runs: the pid in its pid file, and only while that process's command
     * line names this run's socket (a pid alone may since name a stranger).
     */
    static Optional<ProcessHandle> find(Processes processes, WorkerPaths.RunPaths run) {
        try {
            long pid = Long.parseLong(Files.readString(run.tpmPidFile()).strip());
            if (!processes.commandLine(pid).orElse(List.of()).contains(control(run))) {
                return Optional.empty();
            }
            return processes.startTicks(pid).isPresent() ? ProcessHandle.of(pid) : Optional.empty();
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** The control channel's option: also the marker that tells this run's swtpm from any other process. */
    private static String control(WorkerPaths.RunPaths run) {
        return "type=unixio,path=" + QemuArgv.escape(run.tpmSocket()) + ",mode=0600";
    }

    /** Ends the launch's swtpm if one is left (SIGTERM, then SIGKILL), and removes its socket and pid file. */
    static void stop(Processes processes, WorkerPaths.RunPaths run) throws IOException {
        Optional<ProcessHandle> left = find(processes, run);
        if (left.isPresent()) {
            ProcessHandle process = left.get();
            process.destroy();
            if (!awaitExit(process)) {
                process.destroyForcibly();
                awaitExit(process);
            }
        }
        Files.deleteIfExists(run.tpmSocket());
        Files.deleteIfExists(run.tpmPidFile());
    }

    /** Waits until swtpm has opened its control socket, which QEMU connects to at start. */
    static boolean awaitSocket(Process process, WorkerPaths.RunPaths run, Duration timeout) throws InterruptedException {
        long started = System.nanoTime();
        while (System.nanoTime() - started < timeout.toNanos()) {
            if (Files.exists(run.tpmSocket()) && Files.exists(run.tpmPidFile())) {
                return true;
            }
            if (!process.isAlive()) {
                return false;
            }
            Thread.sleep(Launcher.qmpPollPause(System.nanoTime() - started));
        }
        return false;
    }

    private static boolean awaitExit(ProcessHandle process) {
        try {
            process.onExit().get(STOP_STEP.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
            return !process.isAlive();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !process.isAlive();
        }
    }
}
