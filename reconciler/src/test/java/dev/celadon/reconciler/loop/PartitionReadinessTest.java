package dev.celadon.reconciler.loop;

import dev.celadon.hypervisor.Accel;
import dev.celadon.hypervisor.GuestInfo;
import dev.celadon.hypervisor.PartitionName;
import dev.celadon.hypervisor.VmState;
import dev.celadon.hypervisor.WorkerStatus;
import dev.celadon.hypervisor.fake.FakeHypervisor;
import dev.celadon.reconciler.plan.Desired;
import dev.celadon.reconciler.plan.Specs;
import dev.celadon.reconciler.spec.Partition;
import dev.celadon.reconciler.spec.ReadinessSpec;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link Readiness}, the one decision; {@link ReadinessTracker}'s latch; {@link GuestProber}'s guest checks. */
class PartitionReadinessTest {

    private static final Instant NOW = Instant.parse("2026-11-30T12:00:00Z");
    private static final Instant STARTED = NOW.minusSeconds(120);
    private static final Partition DB = Specs.partition("db");
    private static final ReadinessSpec TCP_AND_EXEC = new ReadinessSpec(true, OptionalInt.of(5432), List.of("pg_isready", "-q"));

    private static WorkerStatus worker(VmState state, Instant startedAt, Instant heartbeat) {
        GuestInfo guest = new GuestInfo(Optional.ofNullable(heartbeat), Optional.empty(), Optional.empty(), List.of());
        return new WorkerStatus(DB.name(), state, DB.vm(), OptionalLong.of(42), Accel.TCG, startedAt, Optional.empty(),
                guest, Optional.empty());
    }

    private static Readiness.GuestChecks checks(boolean tcp, String execProblem, Instant at) {
        return new Readiness.GuestChecks(STARTED, TCP_AND_EXEC, tcp, execProblem, at);
    }

    private static String verdict(ReadinessSpec spec, WorkerStatus worker, Readiness.GuestChecks checks) {
        Readiness.Verdict v = Readiness.verdict(spec, worker, checks, NOW);
        return (v.ready() ? "Ready: " : "NotReady: ") + v.reason();
    }

    @Test
    void theFirstCheckThatDoesNotHoldIsTheReason() {
        WorkerStatus up = worker(VmState.RUNNING, STARTED, NOW.minusSeconds(2));
        assertThat(verdict(TCP_AND_EXEC, null, null)).isEqualTo("NotReady: no worker");
        assertThat(verdict(TCP_AND_EXEC, worker(VmState.STARTING, STARTED, null), null)).isEqualTo("NotReady: worker starting");
        assertThat(verdict(TCP_AND_EXEC, worker(VmState.RUNNING, STARTED, NOW.minusSeconds(16)), checks(true, null, NOW)))
                .as("a heartbeat older than three probe intervals").isEqualTo("NotReady: heartbeat");
        assertThat(verdict(TCP_AND_EXEC, up, null)).isEqualTo("NotReady: tcp 5432 not checked yet");
        assertThat(verdict(TCP_AND_EXEC, up, checks(false, null, NOW))).isEqualTo("NotReady: tcp 5432 no answer");
        assertThat(verdict(TCP_AND_EXEC, up, checks(true, "exited 2", NOW))).isEqualTo("NotReady: exec pg_isready exited 2");
        assertThat(verdict(TCP_AND_EXEC, up, checks(true, null, NOW))).isEqualTo("Ready: every readiness check holds");
        assertThat(verdict(ReadinessSpec.RUNNING, worker(VmState.RUNNING, STARTED, null), null))
                .as("nothing to check but a running worker").isEqualTo("Ready: every readiness check holds");
    }

    @Test
    void checksOfAnotherRunAnotherSpecOrLongAgoSayNothing() {
        WorkerStatus restarted = worker(VmState.RUNNING, NOW.minusSeconds(10), NOW.minusSeconds(2));
        assertThat(verdict(TCP_AND_EXEC, restarted, checks(true, null, NOW))).isEqualTo("NotReady: tcp 5432 not checked yet");
        WorkerStatus up = worker(VmState.RUNNING, STARTED, NOW.minusSeconds(2));
        ReadinessSpec otherPort = new ReadinessSpec(true, OptionalInt.of(5433), List.of());
        assertThat(verdict(otherPort, up, checks(true, null, NOW))).isEqualTo("NotReady: tcp 5433 not checked yet");
        assertThat(verdict(TCP_AND_EXEC, up, checks(true, null, NOW.minus(Readiness.CHECKS_STALE))))
                .isEqualTo("NotReady: tcp 5432 not checked yet");
    }

    @Test
    void aWorkerRunThatWasReadyStaysMetForDependentsUntilItRestarts() throws Exception {
        FakeHypervisor hypervisor = new FakeHypervisor();
        ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
        GuestProber prober = new GuestProber(hypervisor, threads, new PartitionLocks(), java.time.Clock.systemUTC());
        ReadinessTracker tracker = new ReadinessTracker();
        Desired desired = new Desired("r1", List.of(DB));
        Instant now = Instant.now();

        WorkerStatus silent = worker(VmState.RUNNING, STARTED, null);
        assertThat(tracker.evaluate(desired, Map.of(DB.name(), silent), prober, now).notReady())
                .containsExactly(Map.entry(DB.name(), "heartbeat"));
        WorkerStatus answering = worker(VmState.RUNNING, STARTED, now.minusSeconds(1));
        ReadinessTracker.Pass ready = tracker.evaluate(desired, Map.of(DB.name(), answering), prober, now);
        assertThat(ready.notReady()).isEmpty();
        assertThat(ready.verdicts().get(DB.name()).ready()).isTrue();

        ReadinessTracker.Pass lost = tracker.evaluate(desired, Map.of(DB.name(), silent), prober, now);
        assertThat(lost.verdicts().get(DB.name()).ready()).as("the Ready condition follows the guest").isFalse();
        assertThat(lost.notReady()).as("but dependents keep it as met: no flapping").isEmpty();

        WorkerStatus restarted = worker(VmState.RUNNING, now, null);
        assertThat(tracker.evaluate(desired, Map.of(DB.name(), restarted), prober, now).notReady())
                .as("a new run must be Ready again").containsExactly(Map.entry(DB.name(), "heartbeat"));
        threads.shutdown();
    }

    @Test
    void theProberChecksTheGuestsPortAndRunsItsCommand() throws Exception {
        FakeHypervisor hypervisor = new FakeHypervisor();
        hypervisor.start(DB.vm());
        PartitionName db = DB.name();
        ReadinessSpec spec = new ReadinessSpec(false, OptionalInt.of(5432), List.of("pg_isready", "-q"));

        assertThat(probe(hypervisor, spec)).as("nothing listens yet").isEqualTo(new Result(false, null));
        hypervisor.listen(db, Set.of(5432));
        hypervisor.exitCodeOfExec(db, 2);
        assertThat(probe(hypervisor, spec)).isEqualTo(new Result(true, "exited 2"));
        hypervisor.exitCodeOfExec(db, 0);
        assertThat(probe(hypervisor, spec)).isEqualTo(new Result(true, null));
    }

    private record Result(boolean tcp, String execProblem) {
    }

    private static Result probe(FakeHypervisor hypervisor, ReadinessSpec spec) throws InterruptedException {
        ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
        GuestProber prober = new GuestProber(hypervisor, threads, new PartitionLocks(), java.time.Clock.systemUTC());
        prober.check(Map.of(DB.name(), spec));
        prober.probeAll();
        threads.shutdown();
        assertThat(threads.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        Readiness.GuestChecks checks = prober.checks(DB.name());
        assertThat(checks.spec()).isEqualTo(spec);
        return new Result(checks.tcpAnswered(), checks.execProblem());
    }
}
