package dev.celadon.reconciler.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The packaged reconciler run as a command, to its end: what a person at a terminal sees of it. */
public final class PackagedJar {

    private static final Path JAR = Path.of("target/quarkus-app/quarkus-run.jar").toAbsolutePath();
    private static final Path JAVA = Path.of(System.getProperty("java.home"), "bin", "java");

    public record Result(int exit, String stdout, String stderr) {
    }

    private PackagedJar() {
    }

    /**
     * Runs {@code java JVM-OPTIONS -jar quarkus-run.jar ARGS} with no {@code CELADON_*} variable of this JVM's
     * environment but {@code environment}'s, and waits for it to exit (60 s at most).
     */
    public static Result run(List<String> jvmOptions, List<String> args, Map<String, String> environment)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(JAVA.toString()));
        command.addAll(jvmOptions);
        command.addAll(List.of("-jar", JAR.toString()));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().keySet().removeIf(name -> name.startsWith("CELADON_"));
        builder.environment().putAll(environment);
        Process process = builder.start();
        process.getOutputStream().close();
        // What it prints is small: reading stdout to the end before stderr cannot dead-lock on full pipes.
        String stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("the reconciler did not exit within 60 s: " + command);
        }
        return new Result(process.exitValue(), stdout, stderr);
    }
}
