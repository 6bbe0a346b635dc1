package dev.celadon.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The packaged reconciler as a process of its own, following a {@link LocalGit} repository polled every second:
 * how the whole-process benchmarks start it.
 */
final class PackagedReconciler {

    private PackagedReconciler() {
    }

    /**
     * A fresh temporary folder for state dirs that others may pass through: the reconciler's isolated workers run
     * under their own accounts, and it refuses a state dir they cannot reach (a plain temporary folder is 0700).
     */
    static Path tempRoot(String prefix) throws IOException {
        return Files.createTempDirectory(prefix, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx--x--x")));
    }

    /**
     * This JVM's {@code java} running {@code jar}, with {@code args[optionsIndex]} as a JVM options file
     * ({@code @argfile}, e.g. appliance/jvm.options) when the benchmark was given one.
     */
    static List<String> command(Path jar, String[] args, int optionsIndex) {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java")));
        if (args.length > optionsIndex) {
            command.add("@" + Path.of(args[optionsIndex]).toAbsolutePath());
        }
        command.addAll(List.of("-jar", jar.toString()));
        return command;
    }

    /** Starts {@code command} on {@code repo}, its state in {@code stateDir}, serving on {@code port}, its output in {@code log}. */
    static Process start(List<String> command, LocalGit repo, Path stateDir, Path imagesDir, int port, Path log,
                         Map<String, String> moreSettings) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("CELADON_GIT_URL", repo.url());
        builder.environment().put("CELADON_GIT_POLL_INTERVAL", "1s");
        builder.environment().put("CELADON_STATE_DIR", stateDir.toString());
        builder.environment().put("CELADON_IMAGES_DIRS", imagesDir.toString());
        builder.environment().put("QUARKUS_HTTP_PORT", String.valueOf(port));
        builder.environment().putAll(moreSettings);
        return builder.start();
    }
}
