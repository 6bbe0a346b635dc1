package dev.celadon.reconciler.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.celadon.reconciler.spec.RepositoryRoot;
import dev.celadon.reconciler.testing.ReconcilerProcess;
import dev.celadon.reconciler.testing.StatusClient;
import dev.celadon.reconciler.testing.Workers;

/**
 * {@code make run} as a newcomer meets it: the packaged reconciler on the embedded demo, configured as the
 * Makefile configures it, and every command {@code reconciler/demo-hints} prints run as printed, in order, each
 * checked for what the line before it says it does. One boot of the demo for all of them.
 */
class DemoIT {

    /** TCG on a busy two-core machine. */
    private static final Duration CONVERGE = Duration.ofMinutes(3);
    /** Debian under TCG, to the end of cloud-init: 3 to 4 minutes measured (image-builder/README.md). */
    private static final Duration DEBIAN_BOOT = Duration.ofMinutes(12);
    private static final Path ROOT = RepositoryRoot.find();

    @TempDir
    Path root;
    private Path stateDir;

    @AfterEach
    void stopWorkers() {
        Workers.destroyUnder(stateDir);
    }

    @Test
    void everyPrintedHintDoesWhatItSays() throws Exception {
        stateDir = root.resolve(".demo");
        Path images = Path.of(System.getProperty("celadon-test.images", "../image-builder/target/images")).toAbsolutePath();
        List<String> commands = hints();
        assertThat(commands).as("the commands demo-hints prints").hasSize(5);

        try (ReconcilerProcess reconciler = ReconcilerProcess.start(Map.of(
                "CELADON_STATE_DIR", stateDir.toString(),
                "CELADON_IMAGES_DIRS", images.toString()), root.resolve("reconciler.log"))) {
            StatusClient status = new StatusClient(() -> reconciler.url(""));
            awaitPhases(status, Map.of("demo-web", "Running", "demo-worker", "Running", "demo-legacy", "Stopped",
                    "demo-debian", "Stopped"), CONVERGE);

            await("demo-web's page through the forward: " + commands.get(0)).atMost(CONVERGE)
                    .pollInterval(Duration.ofSeconds(1))
                    .until(() -> run(commands.get(0)).equals("celadon-tiny demo-web\n"));

            run(commands.get(1));
            awaitPhases(status, Map.of("demo-legacy", "Running"), CONVERGE);

            run(commands.get(2));
            awaitPhases(status, Map.of("demo-debian", "Running"), CONVERGE);
            await("demo-debian's page, served as its cloud-init set up: " + commands.get(3)).atMost(DEBIAN_BOOT)
                    .pollInterval(Duration.ofSeconds(5))
                    .until(() -> run(commands.get(3)).equals("demo-debian: provisioned by cloud-init\n"));

            run(commands.get(4));
            awaitPhases(status, Map.of("demo-web", "Stopped", "demo-worker", "Stopped", "demo-legacy", "Stopped",
                    "demo-debian", "Stopped"), DEBIAN_BOOT);
        }
    }

    /** The lines of demo-hints indented by four spaces: commands to paste as they are. */
    private List<String> hints() throws IOException, InterruptedException {
        return run("bash " + ROOT.resolve("reconciler/demo-hints") + " " + stateDir).lines()
                .filter(line -> line.startsWith("    "))
                .map(String::strip)
                .toList();
    }

    private static void awaitPhases(StatusClient status, Map<String, String> phases, Duration within) {
        await("phases " + phases).atMost(within).pollInterval(Duration.ofSeconds(1))
                .until(() -> phases.entrySet().stream().allMatch(e -> e.getValue().equals(status.phase(e.getKey()))));
    }

    /** Runs a command line as a newcomer's shell would; its output, or a failure with it. */
    private String run(String commandLine) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder("bash", "-c", commandLine).directory(root.toFile()).redirectErrorStream(true);
        // A newcomer's machine: git knows no user, no global or system configuration.
        builder.environment().put("HOME", Files.createDirectories(root.resolve("home")).toString());
        builder.environment().put("GIT_CONFIG_NOSYSTEM", "1");
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as(commandLine).isTrue();
        if (process.exitValue() != 0 && !commandLine.startsWith("curl")) {
            // curl fails while the forward has nothing behind it yet; every other line must work at once.
            throw new AssertionError(commandLine + " exited " + process.exitValue() + ": " + output);
        }
        return output;
    }
}
