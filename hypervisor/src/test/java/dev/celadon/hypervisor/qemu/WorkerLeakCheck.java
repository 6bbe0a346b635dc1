package dev.celadon.hypervisor.qemu;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The registry that keeps tests from leaving processes behind. Each test gets a fresh state dir
 * (short, under /tmp, so socket paths fit); afterwards every process whose command line names that
 * dir (every worker, whichever {@code QemuHypervisor} started it) and every pid a test registered
 * with {@link #track} is killed, and if there were any the test fails.
 */
public final class WorkerLeakCheck implements BeforeEachCallback, AfterEachCallback {

    private final Set<Long> tracked = ConcurrentHashMap.newKeySet();
    private Path stateDir;

    public Path stateDir() {
        return stateDir;
    }

    /** Registers a process the test started itself, to be killed (and reported) if it outlives the test. */
    public void track(long pid) {
        tracked.add(pid);
    }

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        stateDir = Files.createTempDirectory(Path.of("/tmp"), "celadon-it-");
        tracked.clear();
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        List<String> leftovers = new ArrayList<>();
        for (long pid : workersUnder(stateDir)) {
            leftovers.add(pid + " " + commandLine(pid).orElse("?"));
            kill(pid);
        }
        for (long pid : tracked) {
            Optional<ProcessHandle> handle = ProcessHandle.of(pid);
            if (handle.isPresent() && handle.get().isAlive()) {
                leftovers.add(pid + " (tracked) " + commandLine(pid).orElse("?"));
                kill(pid);
            }
        }
        try (Stream<Path> files = Files.walk(stateDir)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        }
        if (!leftovers.isEmpty() && context.getExecutionException().isEmpty()) {
            fail("test left processes behind (now killed): " + leftovers);
        }
    }

    static List<Long> workersUnder(Path dir) throws IOException {
        List<Long> pids = new ArrayList<>();
        try (DirectoryStream<Path> proc = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().matches("\\d+"))) {
            for (Path p : proc) {
                long pid = Long.parseLong(p.getFileName().toString());
                if (pid != ProcessHandle.current().pid() && commandLine(pid).filter(c -> c.contains(dir.toString())).isPresent()) {
                    pids.add(pid);
                }
            }
        }
        return pids;
    }

    private static Optional<String> commandLine(long pid) {
        try {
            byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
            return raw.length == 0 ? Optional.empty() : Optional.of(new String(raw, StandardCharsets.UTF_8).replace('\0', ' ').strip());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static void kill(long pid) {
        ProcessHandle.of(pid).ifPresent(h -> {
            h.destroyForcibly();
            try {
                h.onExit().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                // Reported as a leftover either way.
            }
        });
    }
}
