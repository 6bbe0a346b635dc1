package dev.celadon.benchmarks;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A bare repository with a work clone, served by a real {@code git daemon} on 127.0.0.1. */
final class LocalGit implements AutoCloseable {

    private final Path work;
    private final Process daemon;
    private final int port;

    private LocalGit(Path work, Process daemon, int port) {
        this.work = work;
        this.daemon = daemon;
        this.port = port;
    }

    /** A repository whose first commit holds {@code partitions.d/} with one placeholder file. */
    static LocalGit start(Path root) throws Exception {
        Path work = root.resolve("work");
        Files.createDirectories(root);
        git(root, "init", "-q", "--bare", "-b", "main", "fleet.git");
        git(root, "clone", "-q", root.resolve("fleet.git").toString(), work.toString());
        Files.createDirectories(work.resolve("partitions.d"));
        Files.writeString(work.resolve("partitions.d/README.md"), "specs\n");
        int port = freePort();
        Process daemon = new ProcessBuilder("git", "daemon", "--export-all", "--base-path=" + root,
                "--listen=127.0.0.1", "--port=" + port, "--reuseaddr", root.toString()).redirectErrorStream(true)
                .redirectOutput(root.resolve("daemon.log").toFile()).start();
        LocalGit repo = new LocalGit(work, daemon, port);
        repo.commitAndPush("specs");
        awaitPort(port);
        return repo;
    }

    String url() {
        return "git://127.0.0.1:" + port + "/fleet.git";
    }

    void write(String relPath, String content) throws IOException {
        Files.writeString(work.resolve(relPath), content);
    }

    void delete(String relPath) throws IOException {
        Files.delete(work.resolve(relPath));
    }

    void commitAndPush(String message) throws IOException, InterruptedException {
        git(work, "add", "-A", ".");
        git(work, "-c", "user.name=bench", "-c", "user.email=bench@localhost", "commit", "-qm", message);
        git(work, "push", "-q", "origin", "HEAD:main");
    }

    /** Kills the daemon and what it forked: `git daemon` runs git-daemon, which forks per connection. */
    @Override
    public void close() {
        daemon.descendants().forEach(ProcessHandle::destroyForcibly);
        daemon.destroyForcibly();
    }

    static void git(Path dir, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("git"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).directory(dir.toFile()).inheritIO().start();
        if (process.waitFor() != 0) {
            throw new IOException("git " + String.join(" ", args) + " failed");
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    static void awaitPort(int port) throws InterruptedException {
        for (int i = 0; i < 200; i++) {
            try (Socket ignored = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException("nothing listens on " + port);
    }
}
