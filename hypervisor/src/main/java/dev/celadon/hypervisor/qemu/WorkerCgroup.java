package dev.celadon.hypervisor.qemu;

import dev.celadon.hypervisor.PartitionName;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A worker's resource limits through cgroup v2: {@code /sys/fs/cgroup/celadon/NAME} with {@code memory.max}
 * (guest memory + the configured overhead), {@code pids.max} and, for a partition with a {@code cpuLimit},
 * {@code cpu.max}. Where cgroup v2 is not mounted (a host on the hybrid v1 hierarchy) or lacks the
 * controllers, the limits are skipped and the worker's status says why.
 *
 * <p>The worker joins its cgroup right after the spawn, while QEMU is still paused ({@code -S}) and has
 * touched almost none of its guest's memory: whatever it touches from then on is charged to it.
 * {@code celadon} holds no process of its own, as cgroup v2 requires of a cgroup whose children have
 * controllers.
 */
final class WorkerCgroup {

    static final String PARENT = "celadon";
    private static final List<String> CONTROLLERS = List.of("memory", "pids", "cpu");
    /** cgroup v2's default period, in microseconds: the quota is this many per core. */
    static final int CPU_PERIOD_MICROS = 100_000;

    private final Path root;

    /** {@code root}: where cgroup v2 is (or would be) mounted, {@code /sys/fs/cgroup}. */
    WorkerCgroup(Path root) {
        this.root = root;
    }

    /** Why no limits can be set on this host, or empty when they can. */
    Optional<String> unavailable() {
        Path controllers = root.resolve("cgroup.controllers");
        if (!Files.isRegularFile(controllers)) {
            return Optional.of("cgroup v2 is not mounted at " + root);
        }
        try {
            Set<String> present = Set.of(Files.readString(controllers).strip().split("\\s+"));
            List<String> missing = CONTROLLERS.stream().filter(c -> !present.contains(c)).toList();
            return missing.isEmpty() ? Optional.empty()
                    : Optional.of("cgroup v2 at " + root + " lacks the controllers " + String.join(", ", missing));
        } catch (IOException e) {
            return Optional.of("cannot read " + controllers + ": " + e.getMessage());
        }
    }

    Path dir(PartitionName name) {
        return root.resolve(PARENT).resolve(name.value());
    }

    /**
     * Makes the partition's cgroup afresh (the counts in memory.events are the last worker's otherwise), sets the
     * limits and moves {@code pid} in.
     */
    void apply(PartitionName name, long pid, long memoryMax, int pidsMax, int cpuLimitMillicores) throws IOException {
        enable(root);
        Path parent = root.resolve(PARENT);
        Files.createDirectories(parent);
        enable(parent);
        Path dir = dir(name);
        remove(name);
        Files.createDirectory(dir);
        write(dir.resolve("memory.max"), Long.toString(memoryMax));
        write(dir.resolve("pids.max"), Integer.toString(pidsMax));
        if (cpuLimitMillicores > 0) {
            write(dir.resolve("cpu.max"), cpuMax(cpuLimitMillicores));
        }
        write(dir.resolve("cgroup.procs"), Long.toString(pid));
    }

    /** {@code cpu.max} for a limit: quota and period in microseconds, 1500 millicores being {@code 150000 100000}. */
    static String cpuMax(int millicores) {
        return (long) millicores * CPU_PERIOD_MICROS / 1000 + " " + CPU_PERIOD_MICROS;
    }

    /**
     * The kernel's OOM kills in the partition's cgroup ({@code memory.events}): {@code oom} counts the times its own
     * limit was hit, {@code oomKill} its processes killed by any OOM killer, the host's own (memory exhausted, or
     * SysRq f) too. None without a cgroup.
     */
    record OomEvents(long oom, long oomKill) {

        static final OomEvents NONE = new OomEvents(0, 0);
    }

    OomEvents oomEvents(PartitionName name) {
        try {
            Map<String, Long> events = new HashMap<>();
            for (String line : Files.readAllLines(dir(name).resolve("memory.events"))) {
                String[] field = line.strip().split(" ");
                if (field.length == 2) {
                    events.put(field[0], Long.parseLong(field[1]));
                }
            }
            return new OomEvents(events.getOrDefault("oom", 0L), events.getOrDefault("oom_kill", 0L));
        } catch (IOException | NumberFormatException e) {
            return OomEvents.NONE; // No cgroup (limits skipped, or removed already): no kill to report.
        }
    }

    /** The partition's cgroup, once its worker is gone (the kernel refuses while a process is in it). */
    void remove(PartitionName name) throws IOException {
        try {
            Files.deleteIfExists(dir(name));
        } catch (NoSuchFileException e) {
            // Gone already.
        }
    }

    /** Lets the children of {@code dir} have the controllers (a no-op where they already may). */
    private static void enable(Path dir) throws IOException {
        Path control = dir.resolve("cgroup.subtree_control");
        Set<String> enabled = Set.of(Files.readString(control).strip().split("\\s+"));
        String wanted = String.join(" ", CONTROLLERS.stream().filter(c -> !enabled.contains(c)).map(c -> "+" + c).toList());
        if (!wanted.isEmpty()) {
            write(control, wanted);
        }
    }

    private static void write(Path file, String value) throws IOException {
        // cgroup files take one write each; no truncation, no temp file (the kernel refuses both).
        Files.writeString(file, value, java.nio.file.StandardOpenOption.WRITE);
    }
}
