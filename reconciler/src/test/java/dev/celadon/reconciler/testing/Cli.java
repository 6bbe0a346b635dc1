package dev.celadon.reconciler.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the real command-line tools the fixtures drive, with an environment fixed for reproducibility. */
public final class Cli {

    /** Fixed identity, and no system or user git config, so results do not depend on the machine. */
    static final Map<String, String> GIT_ENV = Map.of(
            "GIT_AUTHOR_NAME", "Celadon Test", "GIT_AUTHOR_EMAIL", "test@celadon.invalid",
            "GIT_COMMITTER_NAME", "Celadon Test", "GIT_COMMITTER_EMAIL", "test@celadon.invalid",
            "GIT_CONFIG_NOSYSTEM", "1", "GIT_CONFIG_GLOBAL", "/dev/null", "GIT_TERMINAL_PROMPT", "0");

    private Cli() {
    }

    /** Runs to completion and returns stdout, trimmed; fails with stderr on a non-zero exit. */
    static String run(Path dir, List<String> command) {
        return run(dir, command, Map.of());
    }

    /** As {@link #run(Path, List)}, with more variables in the environment (GNUPGHOME for a signer's gpg). */
    static String run(Path dir, List<String> command, Map<String, String> environment) {
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile());
        builder.environment().putAll(GIT_ENV);
        builder.environment().putAll(environment);
        try {
            Process process = builder.start();
            process.getOutputStream().close();
            // Small outputs only; reading both streams after exit would risk a full pipe otherwise.
            byte[] stdout = process.getInputStream().readAllBytes();
            byte[] stderr = process.getErrorStream().readAllBytes();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                kill(process);
                throw new IllegalStateException(command + " timed out");
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException(command + " exited " + process.exitValue() + ": "
                        + new String(stderr, StandardCharsets.UTF_8));
            }
            return new String(stdout, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static String git(Path dir, String... args) {
        return run(dir, prepend("git", args));
    }

    /** Kills the process and everything it started (git daemon forks one child per connection). */
    static void kill(Process process) {
        List<ProcessHandle> children = process.descendants().toList();
        process.destroy();
        children.forEach(ProcessHandle::destroy);
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        children.forEach(ProcessHandle::destroyForcibly);
    }

    /** Waits until something accepts connections on the loopback port, or the process dies. */
    static void awaitListening(Process process, int port, Duration timeout) {
        await().atMost(timeout).pollInterval(Duration.ofMillis(20)).until(() -> {
            if (!process.isAlive()) {
                throw new IllegalStateException("exited with " + process.exitValue() + " before listening on "
                        + port);
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
                return true;
            } catch (IOException e) {
                return false;
            }
        });
    }

    /** A loopback port nothing listens on now, for a server a test starts. */
    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> prepend(String first, String... rest) {
        List<String> all = new ArrayList<>(rest.length + 1);
        all.add(first);
        all.addAll(List.of(rest));
        return all;
    }
}
