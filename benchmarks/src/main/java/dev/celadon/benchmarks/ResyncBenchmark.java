package dev.celadon.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.celadon.hypervisor.HostResources;
import dev.celadon.hypervisor.fake.FakeHypervisor;
import dev.celadon.reconciler.upgrade.ApplianceUpgrades;
import dev.celadon.reconciler.images.ImageSettings;
import dev.celadon.reconciler.loop.Ledger;
import dev.celadon.reconciler.loop.LoopListener;
import dev.celadon.reconciler.loop.LoopSettings;
import dev.celadon.reconciler.loop.ReconcileLoop;
import dev.celadon.reconciler.loop.RevisionSource;
import dev.celadon.reconciler.plan.Plan;
import dev.celadon.reconciler.spec.SpecSet;
import dev.celadon.reconciler.status.StatusStore;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One reconcile pass when nothing changed: the revision is the one applied and every worker runs as
 * specified. Goal (issue 2): under 5 ms for 1,000 partitions.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ResyncBenchmark {

    @Param({"1000"})
    int partitions;

    private ReconcileLoop loop;
    private Path stateDir;

    @Setup(Level.Trial)
    public void converge() throws Exception {
        stateDir = Files.createTempDirectory("celadon-bench");
        SpecSet specs = new SpecSet(Fleet.of(partitions), java.util.List.of(), java.util.List.of());
        FakeHypervisor hypervisor = new FakeHypervisor(Clock.systemUTC());
        hypervisor.setHost(new HostResources(2, 1L << 40));
        ObjectMapper mapper = new ObjectMapper().findAndRegisterModules()
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
        LoopSettings settings = new LoopSettings("bench", Map.of(), 512L << 20, Duration.ofSeconds(5),
                Duration.ofSeconds(1), "bench", null, "file:///bench", "main", List.of(), "dhcp");
        ImageSettings images = new ImageSettings(stateDir.resolve("hypervisor"), java.util.List.of(), 1L << 30,
                Duration.ofHours(24), java.util.List.of(), java.util.Optional.empty(), ImageSettings.CONNECT_TIMEOUT,
                ImageSettings.STALL_TIMEOUT, 1);
        loop = new ReconcileLoop(settings, images, () -> new RevisionSource.Fetched("r1", stateDir), dir -> specs, hypervisor,
                new Ledger(stateDir.resolve("ledger.json"), () -> mapper), new StatusStore(mapper), LoopListener.NONE,
                ApplianceUpgrades.Setup.none(stateDir.resolve("upgrade")),
                Clock.systemUTC());
        loop.syncOnce();
        for (int i = 0; i < 3; i++) {
            loop.tick();
            loop.awaitApplies(Duration.ofMinutes(1));
        }
        Plan plan = loop.tick();
        if (plan.actions().stream().anyMatch(a -> a.describe() != null)) {
            throw new IllegalStateException("the fleet did not converge: " + plan.actions().getFirst());
        }
    }

    @Benchmark
    public Plan resyncUnchanged() {
        return loop.tick();
    }

    @TearDown(Level.Trial)
    public void close() {
        loop.close();
    }
}
