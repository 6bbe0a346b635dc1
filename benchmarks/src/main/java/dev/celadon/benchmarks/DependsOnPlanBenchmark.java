package dev.celadon.benchmarks;

import dev.celadon.hypervisor.Accel;
import dev.celadon.hypervisor.GuestInfo;
import dev.celadon.hypervisor.HostResources;
import dev.celadon.hypervisor.PartitionName;
import dev.celadon.hypervisor.VmState;
import dev.celadon.hypervisor.WorkerStatus;
import dev.celadon.reconciler.plan.Desired;
import dev.celadon.reconciler.plan.Observed;
import dev.celadon.reconciler.plan.Plan;
import dev.celadon.reconciler.plan.PlanContext;
import dev.celadon.reconciler.plan.Planner;
import dev.celadon.reconciler.spec.Partition;
import dev.celadon.reconciler.spec.SpecLoader;
import dev.celadon.reconciler.spec.SpecRules;
import dev.celadon.reconciler.spec.SpecSet;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * {@code spec.dependsOn} at scale (issue 17): 10,000 partitions in chains of depth 100 (each depends on the one
 * before it in its chain). {@code parseValidatePlan}: YAML text → strict parse → validation, with the unknown-name
 * and cycle checks → plan against an empty host (every chain waits at its second link). {@code planHalfReady}:
 * the planner alone, every partition's worker running and half of them not Ready. Goal: under 1 s.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5)
@Measurement(iterations = 15)
@Fork(1)
public class DependsOnPlanBenchmark {

    @Param({"10000"})
    int partitions;

    @Param({"100"})
    int depth;

    private Map<String, String> files;
    private Desired desired;
    private Observed halfReady;
    private final PlanContext context = new PlanContext("bench", Map.of(), new HostResources(2, 1L << 50), 512L << 20,
            Instant.now());

    @Setup
    public void writeSpecs() {
        files = new TreeMap<>();
        for (int i = 0; i < partitions; i++) {
            String name = String.format("vm-%05d", i);
            String dependsOn = i % depth == 0 ? "" : String.format("  dependsOn: [vm-%05d]%n", i - 1);
            files.put(name + ".yaml", """
                    apiVersion: celadon.dev/v1alpha1
                    kind: Partition
                    metadata:
                      name: %s
                    spec:
                      cpus: 1
                      memory: 128Mi
                      boot:
                        kernel: tiny/vmlinuz
                        initrd: tiny/initrd.img
                      readiness: {heartbeat: true}
                    %s""".formatted(name, dependsOn));
        }
        SpecSet specs = SpecLoader.parse(files, SpecRules.DEFAULT);
        if (!specs.isValid()) {
            throw new IllegalStateException(specs.errors().getFirst().toString());
        }
        desired = new Desired("r1", specs.partitions());
        Map<PartitionName, WorkerStatus> workers = new HashMap<>();
        Map<PartitionName, String> notReady = new HashMap<>();
        int i = 0;
        for (Partition p : specs.partitions()) {
            workers.put(p.name(), new WorkerStatus(p.name(), VmState.RUNNING, p.vm(), OptionalLong.of(1000 + i), Accel.TCG,
                    Instant.EPOCH, Optional.empty(), GuestInfo.UNKNOWN, Optional.empty()));
            if (i++ % 2 == 1) {
                notReady.put(p.name(), "heartbeat");
            }
        }
        halfReady = new Observed(workers, Map.of(), notReady, Map.of());
    }

    @Benchmark
    public Plan parseValidatePlan() {
        SpecSet specs = SpecLoader.parse(files, SpecRules.DEFAULT);
        if (!specs.isValid()) {
            throw new IllegalStateException(specs.errors().getFirst().toString());
        }
        return Planner.plan(new Desired("r1", specs.partitions()), new Observed(Map.of(), Map.of()), context);
    }

    @Benchmark
    public Plan planHalfReady() {
        return Planner.plan(desired, halfReady, context);
    }
}
