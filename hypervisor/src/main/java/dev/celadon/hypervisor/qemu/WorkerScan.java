package dev.celadon.hypervisor.qemu;

import dev.celadon.hypervisor.PartitionName;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds this state dir's workers in /proc by their own marker, whatever the records say: the pid file
 * path in their command line ({@code -pidfile STATE/workers/NAME/qemu.pid}). So a worker whose launcher
 * died before recording its pid, or whose record was lost, is still found, and adopted or stopped.
 */
final class WorkerScan {

    /** A process carrying a partition's marker, and the run dir (where its QMP socket is) its command line names. */
    record Found(PartitionName partition, long pid, long startTicks, Optional<Path> runDir) {
    }

    private static final String PID_FILE = "/qemu.pid";

    private final Path proc;
    private final String workers;
    private final Pattern runDir;
    private final Processes processes;

    WorkerScan(Path proc, Path stateDir, Processes processes) {
        this.proc = proc;
        this.processes = processes;
        Path state = stateDir.toAbsolutePath().normalize();
        this.workers = state.resolve("workers") + "/";
        this.runDir = Pattern.compile("path=(" + Pattern.quote(state.toString()) + "/run/[a-z0-9]+)/qmp\\.sock(?:,|$)");
    }

    /** Every live process with a marker, by partition (more than one for a partition is what this exists to catch). */
    Map<PartitionName, List<Found>> scan() {
        Map<PartitionName, List<Found>> found = new TreeMap<>();
        long self = ProcessHandle.current().pid();
        try (DirectoryStream<Path> pids = Files.newDirectoryStream(proc, p -> p.getFileName().toString().matches("\\d+"))) {
            for (Path dir : pids) {
                long pid = Long.parseLong(dir.getFileName().toString());
                if (pid != self) {
                    found(pid, dir).ifPresent(f -> found.computeIfAbsent(f.partition(), n -> new ArrayList<>()).add(f));
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot list " + proc, e);
        }
        return found;
    }

    private Optional<Found> found(long pid, Path dir) {
        List<String> argv;
        try {
            argv = List.of(new String(Files.readAllBytes(dir.resolve("cmdline")), StandardCharsets.UTF_8).split("\0"));
        } catch (IOException e) {
            return Optional.empty(); // gone since the listing, or a kernel thread
        }
        Optional<PartitionName> partition = marked(argv);
        if (partition.isEmpty()) {
            return Optional.empty();
        }
        OptionalLong ticks = processes.startTicks(pid);
        if (ticks.isEmpty()) {
            return Optional.empty(); // exited or a zombie: nothing left to adopt or stop
        }
        Optional<Path> run = argv.stream().map(runDir::matcher).filter(Matcher::find).findFirst().map(m -> Path.of(m.group(1)));
        return Optional.of(new Found(partition.get(), pid, ticks.getAsLong(), run));
    }

    /** The partition of {@code -pidfile STATE/workers/NAME/qemu.pid}: two arguments, exactly as QemuArgv writes them. */
    private Optional<PartitionName> marked(List<String> argv) {
        for (int i = 0; i + 1 < argv.size(); i++) {
            String path = argv.get(i + 1);
            if (argv.get(i).equals("-pidfile") && path.startsWith(workers) && path.endsWith(PID_FILE)) {
                String name = path.substring(workers.length(), path.length() - PID_FILE.length());
                return PartitionName.isValid(name) ? Optional.of(new PartitionName(name)) : Optional.empty();
            }
        }
        return Optional.empty();
    }
}
