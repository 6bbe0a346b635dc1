package dev.celadon.benchmarks;

import dev.celadon.hypervisor.HostResources;
import dev.celadon.reconciler.plan.Desired;
import dev.celadon.reconciler.plan.Observed;
import dev.celadon.reconciler.plan.Plan;
import dev.celadon.reconciler.plan.PlanContext;
import dev.celadon.reconciler.plan.Planner;
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
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * A whole revision from YAML text to plan: strict parse, validation (names unique across files, host
 * ports unique, path confinement) and the planner against an empty host. Goal (issue 2): under 1 s for
 * 10,000 partition specs on two cores.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5)
@Measurement(iterations = 15)
@Fork(1)
public class PlanBenchmark {

    @Param({"10000"})
    int partitions;

    private Map<String, String> files;

    @Setup
    public void writeSpecs() {
        files = new TreeMap<>();
        for (int i = 0; i < partitions; i++) {
            String name = String.format("vm-%05d", i);
            files.put(name + ".yaml", """
                    apiVersion: celadon.dev/v1alpha1
                    kind: Partition
                    metadata:
                      name: %s
                      labels: {tier: web}
                    spec:
                      guest: {profile: enlightened}
                      cpus: 1
                      memory: 128Mi
                      maxMemory: 256Mi
                      boot:
                        kernel: tiny/vmlinuz
                        initrd: tiny/initrd.img
                        cmdline: console=ttyS0
                      disks:
                        - name: root
                          image: tiny/base.qcow2
                        - name: scratch
                          size: 1Gi
                      networks:
                        - name: mgmt
                          user: {forwards: [{host: %d, guest: 22}]}
                    """.formatted(name, 20000 + i));
        }
    }

    @Benchmark
    public Plan parseValidatePlan() {
        SpecSet specs = SpecLoader.parse(files, SpecRules.DEFAULT);
        if (!specs.isValid()) {
            throw new IllegalStateException(specs.errors().getFirst().toString());
        }
        return Planner.plan(new Desired("r1", specs.partitions()), new Observed(Map.of(), Map.of()),
                new PlanContext("bench", Map.of(), new HostResources(2, 1L << 50), 512L << 20, Instant.now()));
    }
}
