package dev.celadon.reconciler.testing;

import java.nio.file.Path;
import java.util.stream.Stream;

/** The QEMU workers of one state dir, found by it in their command lines (the pid file's path holds it). */
public final class Workers {

    private Workers() {
    }

    public static Stream<ProcessHandle> under(Path stateDir) {
        String marker = stateDir.toString();
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().map(c -> c.contains("qemu-system") && c.contains(marker)).orElse(false));
    }

    /** Workers outlive the reconciler by design; a test must not leave them behind. */
    public static void destroyUnder(Path stateDir) {
        under(stateDir).forEach(ProcessHandle::destroyForcibly);
    }
}
