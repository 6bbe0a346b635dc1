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

import java.nio.file.Files;
import java.nio.file.Path;
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

    private LocalGit repo;
    private GitSource source;

    @Setup(Level.Trial)
    public void startDaemon() throws Exception {
        Path root = Files.createTempDirectory("celadon-bench-git");
        repo = LocalGit.start(root);
        source = new GitSource(GitSettings.of(repo.url()), root.resolve("clone"));
        source.sync();
    }

    @Benchmark
    public Snapshot pollUnchanged() throws Exception {
        return source.sync();
    }

    @TearDown(Level.Trial)
    public void stopDaemon() {
        repo.close();
    }
}
