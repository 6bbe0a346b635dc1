package dev.celadon.reconciler.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;

/**
 * The packaged reconciler ({@code target/quarkus-app/quarkus-run.jar}) as a real process, as an
 * operator runs it: configured by environment variables, killed with -9 or stopped with SIGTERM, and
 * started again on the same state dir and port.
 */
public final class ReconcilerProcess implements AutoCloseable {

    private static final Path JAR = Path.of("target", "quarkus-app", "quarkus-run.jar");

    private final Map<String, String> env;
    private final Path log;
    private final int port;
    private final HttpClient http = HttpClient.newHttpClient();
    private Process process;

    private ReconcilerProcess(Map<String, String> env, Path log, int port) {
        this.env = env;
        this.log = log;
        this.port = port;
    }

    /** Starts the reconciler with these {@code CELADON_*} variables and waits until it is ready. */
    public static ReconcilerProcess start(Map<String, String> celadonEnv, Path log) {
        Map<String, String> env = new HashMap<>(celadonEnv);
        if (env.containsKey("CELADON_STATE_DIR")) {
            letWorkersReach(Path.of(env.get("CELADON_STATE_DIR")));
        }
        int port = freePort();
        env.put("QUARKUS_HTTP_PORT", String.valueOf(port));
        ReconcilerProcess reconciler = new ReconcilerProcess(env, log, port);
        reconciler.launch();
        return reconciler;
    }

    /**
     * Isolated workers (the default, {@code celadon.hypervisor.isolation=user}) must pass through every folder
     * above the state dir, as an operator's are; a test's temporary folder is {@code rwx------}.
     */
    private static void letWorkersReach(Path stateDir) {
        try {
            for (Path dir = stateDir.toAbsolutePath().getParent(); dir != null; dir = dir.getParent()) {
                if (Files.isDirectory(dir)) {
                    java.util.Set<java.nio.file.attribute.PosixFilePermission> permissions = Files.getPosixFilePermissions(dir);
                    if (permissions.add(java.nio.file.attribute.PosixFilePermission.OTHERS_EXECUTE)) {
                        Files.setPosixFilePermissions(dir, permissions);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int port() {
        return port;
    }

    public String url(String path) {
        return "http://127.0.0.1:" + port + path;
    }

    public long pid() {
        return process.pid();
    }

    /** SIGKILL: no shutdown hook runs, exactly as a crash of the reconciler. */
    public void kill9() {
        process.destroyForcibly();
        waitForExit();
    }

    /** SIGTERM: the orderly stop an operator or init system does. */
    public void stop() {
        process.destroy();
        waitForExit();
    }

    /** Starts the reconciler again, on the same state dir and port. */
    public void restart() {
        launch();
    }

    /**
     * Starts the reconciler again with some variables changed, without waiting for it to be ready (a
     * reconciler made to die on its first launch may never be), and keeps them for later restarts.
     */
    public void restartWith(Map<String, String> changed) {
        env.putAll(changed);
        spawn();
    }

    /** Waits for the reconciler to exit by itself; true if it did within the timeout. */
    public boolean awaitExit(Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    public String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            stop();
        }
    }

    private void launch() {
        spawn();
        awaitReady();
    }

    /** Waits until the reconciler answers ready; fails at once if it exits first. */
    public void awaitReady() {
        await("reconciler ready on port " + port).atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    if (!process.isAlive()) {
                        throw new IllegalStateException("the reconciler exited: " + log());
                    }
                    return get("/q/health/ready") == 200;
                });
    }

    private void spawn() {
        if (!Files.exists(JAR)) {
            throw new IllegalStateException(JAR.toAbsolutePath() + " is missing: package the reconciler first");
        }
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java, "-jar", JAR.toString()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(env);
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the reconciler", e);
        }
    }

    private int get(String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private void waitForExit() {
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
