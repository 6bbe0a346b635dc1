package dev.celadon.hypervisor.qemu;

import dev.celadon.hypervisor.StopReason;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Why a worker nobody asked to stop is gone: killed by a signal or exited with a code (QEMU's last words
 * attached) when this JVM launched it, else unknowable, and said so.
 */
final class ExitCause {

    private static final int LOG_TAIL = 2000;
    /** How long a child that has just died may take to be reaped, so that its exit status can be read. */
    private static final long REAP_MILLIS = 10_000;

    private ExitCause() {
    }

    /** {@code oom}: the kernel's OOM kills in the worker's cgroup. */
    static WorkerRecord.Stop of(long pid, Process child, Processes processes, Path qemuLog, Instant now, WorkerCgroup.OomEvents oom) {
        String at = now.toString();
        if (oom.oomKill() > 0 && processes.startTicks(pid).isEmpty()) {
            // The kernel's SIGKILL, and the one reason worth more than "signal 9": the guest outgrew its limit, or the
            // host ran out of memory and the kernel chose this worker (its limit never reached: oom 0).
            String counts = "memory.events oom " + oom.oom() + ", oom_kill " + oom.oomKill();
            return new WorkerRecord.Stop(StopReason.WORKER_KILLED.name(), at, "worker " + pid + (oom.oom() > 0
                    ? " killed by its memory limit (cgroup memory.max; " + counts + ")"
                    : " killed by the kernel's OOM killer, the host being out of memory, not by its own limit (" + counts + ")"));
        }
        if (child != null && child.pid() == pid) {
            try {
                if (child.waitFor(REAP_MILLIS, TimeUnit.MILLISECONDS)) {
                    int code = child.exitValue();
                    // Java reports death by signal N as exit value 128 + N.
                    if (code > 128) {
                        return new WorkerRecord.Stop(StopReason.WORKER_KILLED.name(), at,
                                "worker " + pid + " killed by signal " + (code - 128) + signalName(code - 128));
                    }
                    return new WorkerRecord.Stop(StopReason.WORKER_EXITED.name(), at,
                            "worker " + pid + " exited with code " + code + tail(qemuLog).map(t -> ": " + t).orElse(""));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (processes.startTicks(pid).isPresent()) {
            return new WorkerRecord.Stop(StopReason.WORKER_EXITED.name(), at, "worker " + pid
                    + " is gone; the pid now belongs to another process (start time differs from the record)");
        }
        return new WorkerRecord.Stop(StopReason.WORKER_EXITED.name(), at, "worker " + pid
                + " is gone; exit status unknown (it was not launched by this process)");
    }

    /** The end of QEMU's own output: where it says why it refused to start or stopped. */
    static Optional<String> tail(Path qemuLog) {
        try {
            String text = Files.readString(qemuLog, StandardCharsets.UTF_8).strip();
            return text.isEmpty() ? Optional.empty() : Optional.of(text.substring(Math.max(0, text.length() - LOG_TAIL)));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static String signalName(int signal) {
        return switch (signal) {
            case 9 -> " (SIGKILL)";
            case 15 -> " (SIGTERM)";
            case 6 -> " (SIGABRT)";
            case 11 -> " (SIGSEGV)";
            case 2 -> " (SIGINT)";
            case 1 -> " (SIGHUP)";
            default -> "";
        };
    }
}
