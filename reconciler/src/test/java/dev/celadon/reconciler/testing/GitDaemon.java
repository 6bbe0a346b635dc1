package dev.celadon.reconciler.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A real {@code git daemon} on 127.0.0.1 serving every repository under a base folder (read and push).
 * It can be stopped and restarted on the same port, to test how clients cope with an outage.
 */
public final class GitDaemon implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(10);

    private final Path basePath;
    private final int port;
    private Process process;

    private GitDaemon(Path basePath, int port) {
        this.basePath = basePath.toAbsolutePath();
        this.port = port;
    }

    /** Starts on a free port and returns once it accepts connections. */
    public static GitDaemon start(Path basePath) {
        GitDaemon daemon = new GitDaemon(basePath, Cli.freePort());
        daemon.restart();
        return daemon;
    }

    public int port() {
        return port;
    }

    /** {@code git://127.0.0.1:PORT/NAME} for a repository folder directly under the base path. */
    public String url(String repositoryFolder) {
        return "git://127.0.0.1:" + port + "/" + repositoryFolder;
    }

    public String url(TestRepo repo) {
        return url(basePath.relativize(repo.bareDir().toAbsolutePath()).toString());
    }

    public boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** Starts again on the same port (after {@link #stop()}); a no-op while running. */
    public synchronized void restart() {
        if (isRunning()) {
            return;
        }
        List<String> command = List.of("git", "daemon", "--export-all", "--base-path=" + basePath,
                "--listen=127.0.0.1", "--port=" + port, "--reuseaddr", "--enable=receive-pack",
                "--informative-errors", basePath.toString());
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        builder.environment().putAll(Cli.GIT_ENV);
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Cli.awaitListening(process, port, START_TIMEOUT);
    }

    /** Kills the daemon and its per-connection children; the port is then refused. */
    public synchronized void stop() {
        if (process != null) {
            Cli.kill(process);
            process = null;
        }
    }

    @Override
    public void close() {
        stop();
    }
}
