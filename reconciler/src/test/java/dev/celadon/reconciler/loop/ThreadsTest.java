package dev.celadon.reconciler.loop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.celadon.hypervisor.PartitionName;
import dev.celadon.hypervisor.fake.FakeHypervisor;
import dev.celadon.reconciler.plan.Specs;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The loop's rules for its threads, each alone: one call on a worker at a time, fetches that back off. */
class ThreadsTest {

    @Test
    void aProbeIsSkippedWhileAnApplyHoldsThePartitionAndMadeOnceItIsFree() throws Exception {
        FakeHypervisor hypervisor = new FakeHypervisor();
        hypervisor.start(Specs.partition("web").vm());
        PartitionLocks handles = new PartitionLocks();
        ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
        GuestProber prober = new GuestProber(hypervisor, threads, handles, java.time.Clock.systemUTC());
        try (PartitionLocks.Held apply = handles.hold(new PartitionName("web"))) {
            prober.probeAll();
            threads.shutdown();
            assertThat(threads.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
            assertThat(hypervisor.probes()).as("no probe during an apply").isZero();
        }
        ExecutorService again = Executors.newVirtualThreadPerTaskExecutor();
        new GuestProber(hypervisor, again, handles, java.time.Clock.systemUTC()).probeAll();
        again.shutdown();
        assertThat(again.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        assertThat(hypervisor.probes()).isEqualTo(1);
    }

    @Test
    void failedFetchesBackOffFromThePollIntervalToAMinute() {
        Duration poll = Duration.ofSeconds(5);
        assertThat(java.util.stream.IntStream.rangeClosed(1, 7).mapToObj(n -> ReconcileLoop.syncBackoff(n, poll)).toList())
                .containsExactly(Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(20), Duration.ofSeconds(40),
                        Duration.ofSeconds(60), Duration.ofSeconds(60), Duration.ofSeconds(60));
        assertThat(ReconcileLoop.syncBackoff(1, Duration.ofMinutes(2))).as("never more often than the poll interval")
                .isEqualTo(Duration.ofMinutes(2));
        assertThat(ReconcileLoop.syncBackoff(40, Duration.ofMinutes(2))).isEqualTo(Duration.ofMinutes(2));
    }
}
