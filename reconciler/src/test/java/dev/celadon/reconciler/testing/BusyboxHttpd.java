package dev.celadon.reconciler.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A real HTTP server for downloads: busybox httpd (busybox-static), which answers {@code Range} requests, serving
 * a folder on loopback, optionally with its own basic authentication ({@code -c} file). It can be killed and
 * started again on the same port, as a server that goes away in the middle of a transfer.
 */
public final class BusyboxHttpd implements AutoCloseable {

    private final Path www;
    private final Optional<Path> config;
    private final Path log;
    private final int port;
    private Process process;

    private BusyboxHttpd(Path www, Optional<Path> config, Path log, int port) {
        this.www = www;
        this.config = config;
        this.log = log;
        this.port = port;
    }

    /** Serves {@code www} on a free loopback port; its output goes to {@code log}. */
    public static BusyboxHttpd start(Path www, Optional<Path> config, Path log) {
        BusyboxHttpd httpd = new BusyboxHttpd(www, config, log, Cli.freePort());
        httpd.start();
        return httpd;
    }

    public int port() {
        return port;
    }

    public String url(String path) {
        return "http://127.0.0.1:" + port + path;
    }

    /** Starts it again on the same port, after {@link #kill()}. */
    public void start() {
        List<String> command = new ArrayList<>(List.of("busybox", "httpd", "-f", "-p", "127.0.0.1:" + port, "-h", www.toString()));
        config.ifPresent(file -> command.addAll(List.of("-c", file.toString())));
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start busybox httpd", e);
        }
        Cli.awaitListening(process, port, Duration.ofSeconds(10));
    }

    /**
     * busybox httpd serves each connection from a child process: the server is down when the children (and the
     * listening socket they inherited) are gone too.
     */
    public void kill() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        await("httpd down").atMost(Duration.ofSeconds(10)).until(() -> !process.isAlive() && !listening());
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            kill();
        }
    }

    private boolean listening() {
        try (Socket ignored = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
