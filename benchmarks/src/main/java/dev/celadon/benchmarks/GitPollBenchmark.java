package dev.celadon.benchmarks;

import dev.celadon.reconciler.source.GitSettings;
import dev.celadon.reconciler.source.GitSource;
import dev.celadon.reconciler.source.Snapshot;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A poll with no new commits against a real {@code git daemon} on loopback: the cost the reconciler
 * pays every poll interval while nothing changes. Goal (issue 2): under 50 ms.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(1)
public class GitPollBenchmark {

    private Path root;
    private Process daemon;
    private GitSource source;

    @Setup(Level.Trial)
    public void startDaemon() throws Exception {
        root = Files.createTempDirectory("celadon-bench-git");
        Path work = root.resolve("work");
        git(root, "init", "-q", "--bare", "-b", "main", "fleet.git");
        git(root, "clone", "-q", root.resolve("fleet.git").toString(), work.toString());
        Files.createDirectories(work.resolve("partitions.d"));
        Files.writeString(work.resolve("partitions.d/web.yaml"), "# nothing but a file\n");
        git(work, "add", ".");
        git(work, "-c", "user.name=bench", "-c", "user.email=bench@localhost", "commit", "-qm", "specs");
        git(work, "push", "-q", "origin", "HEAD:main");
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        daemon = new ProcessBuilder("git", "daemon", "--export-all", "--base-path=" + root, "--listen=127.0.0.1",
                "--port=" + port, "--reuseaddr", root.toString()).redirectErrorStream(true)
                .redirectOutput(root.resolve("daemon.log").toFile()).start();
        awaitPort(port);
        source = new GitSource(GitSettings.of("git://127.0.0.1:" + port + "/fleet.git"), root.resolve("clone"));
        source.sync();
    }

    @Benchmark
    public Snapshot pollUnchanged() throws Exception {
        return source.sync();
    }

    @TearDown(Level.Trial)
    public void stopDaemon() {
        daemon.destroyForcibly();
    }

    private static void git(Path dir, String... args) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of("git"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).directory(dir.toFile()).inheritIO().start();
        if (process.waitFor() != 0) {
            throw new IOException("git " + String.join(" ", args) + " failed");
        }
    }

    private static void awaitPort(int port) throws InterruptedException {
        for (int i = 0; i < 100; i++) {
            try (Socket ignored = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException("git daemon did not listen on " + port);
    }
}
