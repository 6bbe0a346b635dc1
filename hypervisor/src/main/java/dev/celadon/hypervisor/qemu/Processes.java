package dev.celadon.hypervisor.qemu;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * Process identity from /proc. A pid alone names a process only until it exits and the number is
 * reused; (pid, start time in clock ticks since boot) names it for good, so a stale record never
 * leads us to adopt or signal a stranger.
 */
final class Processes {

    /** Field 22 of /proc/PID/stat, counted from 1; fields after the command name start at 3. */
    private static final int START_TIME_FIELD = 22;

    private final Path proc;

    Processes(Path proc) {
        this.proc = proc;
    }

    /** The start time of a live (not zombie) process, or empty when there is none with that pid. */
    OptionalLong startTicks(long pid) {
        try {
            String stat = Files.readString(proc.resolve(Long.toString(pid)).resolve("stat"));
            if (state(stat) == 'Z') {
                return OptionalLong.empty();
            }
            return OptionalLong.of(parseStartTicks(stat));
        } catch (NoSuchFileException e) {
            return OptionalLong.empty();
        } catch (IOException e) {
            return OptionalLong.empty();
        }
    }

    /** True when the process with this pid is the one that was started at {@code startTicks}. */
    boolean isAlive(long pid, long startTicks) {
        OptionalLong now = startTicks(pid);
        return now.isPresent() && now.getAsLong() == startTicks;
    }

    /** The process, if it is still the one recorded: the only safe way to signal a recorded pid. */
    Optional<ProcessHandle> handle(long pid, long startTicks) {
        return isAlive(pid, startTicks) ? ProcessHandle.of(pid) : Optional.empty();
    }

    /**
     * {@code pid}, a child of this process, back to the OOM killer's ordinary standing (oom_score_adj 0) where this
     * process has another, which children inherit: the appliance starts the reconciler at 500, the OOM killer's first
     * choice, since a reconciler killed starts again and adopts its workers while a worker killed loses its guest.
     * Lowering needs no capability down to the value this process was started with (0 there). Returns whether it
     * changed anything.
     */
    boolean clearOomScoreAdj(long pid) throws IOException {
        Path own = proc.resolve(Long.toString(ProcessHandle.current().pid())).resolve("oom_score_adj");
        if (Files.readString(own).strip().equals("0")) {
            return false;
        }
        Files.writeString(proc.resolve(Long.toString(pid)).resolve("oom_score_adj"), "0");
        return true;
    }

    /** The real uid of a live process, from /proc/PID/status; empty when there is none with that pid. */
    OptionalInt uid(long pid) {
        try {
            for (String line : Files.readAllLines(proc.resolve(Long.toString(pid)).resolve("status"))) {
                if (line.startsWith("Uid:")) {
                    return OptionalInt.of(Integer.parseInt(line.substring(4).strip().split("\\s+")[0]));
                }
            }
        } catch (IOException | NumberFormatException e) {
            // Gone, or not a process's status.
        }
        return OptionalInt.empty();
    }

    /** The process's command line, or empty when there is none with that pid. */
    Optional<List<String>> commandLine(long pid) {
        try {
            return Optional.of(List.of(new String(Files.readAllBytes(proc.resolve(Long.toString(pid)).resolve("cmdline")),
                    StandardCharsets.UTF_8).split("\0")));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    static long parseStartTicks(String stat) {
        // The command name (field 2) is in parentheses and may itself contain spaces and ')'.
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        return Long.parseLong(fields[START_TIME_FIELD - 3]);
    }

    private static char state(String stat) {
        return stat.charAt(stat.lastIndexOf(')') + 2);
    }
}
