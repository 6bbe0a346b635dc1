package dev.celadon.reconciler.plan;

import dev.celadon.hypervisor.Accel;
import dev.celadon.hypervisor.BootConfig;
import dev.celadon.hypervisor.CloudInit;
import dev.celadon.hypervisor.DiskConfig;
import dev.celadon.hypervisor.Firmware;
import dev.celadon.hypervisor.GuestInfo;
import dev.celadon.hypervisor.GuestProfile;
import dev.celadon.hypervisor.HostResources;
import dev.celadon.hypervisor.PartitionName;
import dev.celadon.hypervisor.StopInfo;
import dev.celadon.hypervisor.StopReason;
import dev.celadon.hypervisor.VmConfig;
import dev.celadon.hypervisor.VmState;
import dev.celadon.hypervisor.WorkerStatus;
import dev.celadon.reconciler.spec.DeletionPolicy;
import dev.celadon.reconciler.spec.Partition;
import dev.celadon.reconciler.spec.Placement;
import dev.celadon.reconciler.spec.RestartPolicy;
import dev.celadon.reconciler.spec.Rollout;
import dev.celadon.reconciler.spec.RunState;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Stream;

import static dev.celadon.reconciler.plan.Specs.MI;
import static dev.celadon.reconciler.plan.Specs.partition;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The planner as a table: each row a named situation (what Git says, what runs) and the plan it
 * must give, written as each action's kind and its {@code describe()} text.
 */
class PlannerTest {

    private static final Instant NOW = Instant.parse("2026-11-23T12:00:00Z");
    private static final Partition WEB = partition("web");

    record Row(String situation, Desired desired, Observed observed, PlanContext context, List<String> expected) {
        @Override
        public String toString() {
            return situation;
        }
    }

    static Stream<Row> situations() {
        return Stream.of(
                row("new partition is created", desired(WEB), workers(), "Create web: create: new partition"),
                row("stopped new partition creates nothing", desired(Specs.with(WEB, RunState.STOPPED)), workers(),
                        "InSync web"),
                row("running and unchanged is in sync", desired(WEB), workers(running(WEB)), "InSync web"),
                row("runState Stopped stops a running worker", desired(Specs.with(WEB, RunState.STOPPED)),
                        workers(running(WEB)), "Stop web: stop: runState is Stopped"),
                row("runState Running starts a worker stopped by request", desired(WEB),
                        workers(stopped(WEB, StopReason.REQUESTED, NOW.minusSeconds(1))),
                        "Start web: start: runState is Running"),
                row("cpus change restarts with the reason", desired(Specs.withCpus(WEB, 2)), workers(running(WEB)),
                        "Restart web: restart: cpus 1 → 2"),
                row("memory within maxMemory is applied live", desired(Specs.withMemory(WEB, 192 * MI, 256 * MI)),
                        workers(running(WEB)), "UpdateMemory web: update live: memory 128Mi → 192Mi"),
                row("memory and maxMemory change restarts", desired(Specs.withMemory(WEB, 192 * MI, 512 * MI)),
                        workers(running(WEB)), "Restart web: restart: maxMemory 256Mi → 512Mi, memory 128Mi → 192Mi"),
                row("memory change on a legacy guest restarts: no balloon",
                        desired(Specs.withMemory(Specs.withProfile(WEB, GuestProfile.LEGACY), 192 * MI, 256 * MI)),
                        workers(running(Specs.withProfile(WEB, GuestProfile.LEGACY))),
                        "Restart web: restart: memory 128Mi → 192Mi"),
                row("a bigger disk grows live", desired(Specs.withDisks(WEB, blank("data", 2048))),
                        workers(running(Specs.withDisks(WEB, blank("data", 1024)))),
                        "GrowDisks web: update live: disks.data.size 1Gi → 2Gi"),
                row("an overlay given a size over its base image's grows live",
                        desired(Specs.withDisks(WEB, overlay("root", 4096))),
                        workers(running(Specs.withDisks(WEB, overlay("root", 0)))),
                        "GrowDisks web: update live: disks.root.size the base image's size → 4Gi"),
                row("a smaller disk is refused and the partition keeps running",
                        desired(Specs.withCpus(Specs.withDisks(WEB, blank("data", 512)), 2)),
                        workers(running(Specs.withDisks(WEB, blank("data", 1024)))),
                        "RefuseChange web"),
                row("a disk grown with a cpus change grows at the restart",
                        desired(Specs.withCpus(Specs.withDisks(WEB, blank("data", 2048)), 2)),
                        workers(running(Specs.withDisks(WEB, blank("data", 1024)))),
                        "Restart web: restart: cpus 1 → 2, disks.data.size 1Gi → 2Gi"),
                row("a disk added restarts", desired(Specs.withDisks(WEB, blank("data", 1024), blank("logs", 1024))),
                        workers(running(Specs.withDisks(WEB, blank("data", 1024)))),
                        "Restart web: restart: disks [data=blank@1Gi] → [data=blank@1Gi,logs=blank@1Gi]"),
                row("changed cloud-init restarts for a new instance-id", desired(withCloudInit(WEB, "#cloud-config\npackages: [nginx]\n")),
                        workers(running(withCloudInit(WEB, "#cloud-config\n"))),
                        "Restart web: restart: cloudInit changed (new instance-id)"),
                row("cloud-init added restarts", desired(withCloudInit(WEB, "")), workers(running(WEB)),
                        "Restart web: restart: cloudInit added (new instance-id)"),
                row("cloud-init removed restarts", desired(WEB), workers(running(withCloudInit(WEB, ""))),
                        "Restart web: restart: cloudInit removed (the seed drive is detached)"),
                row("a TPM added restarts", desired(Specs.withVm(WEB, WEB.vm().withTpm(true))), workers(running(WEB)),
                        "Restart web: restart: tpm false → true"),
                row("a CPU limit changed restarts", desired(Specs.withVm(WEB, WEB.vm().withCpuLimit(500))),
                        workers(running(Specs.withVm(WEB, WEB.vm().withCpuLimit(1250)))),
                        "Restart web: restart: cpuLimit 1.25 → 0.5"),
                row("a CPU limit removed restarts", desired(WEB), workers(running(Specs.withVm(WEB, WEB.vm().withCpuLimit(500)))),
                        "Restart web: restart: cpuLimit 0.5 → none"),
                row("Secure Boot switched on restarts", desired(Specs.withVm(WEB, uefi(WEB, true))),
                        workers(running(Specs.withVm(WEB, uefi(WEB, false)))),
                        "Restart web: restart: boot firmware uefi → firmware uefi secureBoot"),
                row("the same cloud-init is in sync", desired(withCloudInit(WEB, "#cloud-config\n")),
                        workers(running(withCloudInit(WEB, "#cloud-config\n"))), "InSync web"),
                row("before the first good revision every worker is held", Desired.NOTHING,
                        observed(workers(running(WEB), stopped(partition("db"), StopReason.WORKER_KILLED,
                                NOW.minusSeconds(60))), ledger(WEB, false, DeletionPolicy.DELETE, 0)),
                        "InSync db", "InSync web"),
                row("spec removed deletes and retains disks", desired(), workers(running(WEB)),
                        "Delete web: delete: no longer in Git for this appliance (disks retained)"),
                row("spec removed with deletionPolicy Delete deletes disks", desired(),
                        observed(workers(running(WEB)), ledger(WEB, false, DeletionPolicy.DELETE, 0)),
                        "Delete web: delete: no longer in Git for this appliance (disks deleted)"),
                row("protected spec removed is refused", desired(),
                        observed(workers(running(WEB)), ledger(WEB, true, DeletionPolicy.RETAIN, 0)),
                        "RefuseDeletion web"),
                row("placement elsewhere removes it here", desired(Specs.with(WEB,
                                new Placement(List.of("host-b"), Map.of()))), workers(running(WEB)),
                        "Delete web: delete: no longer in Git for this appliance (disks retained)"),
                row("placement elsewhere and no worker: nothing to plan", desired(Specs.with(WEB,
                        new Placement(List.of("host-b"), Map.of()))), workers()),
                row("placement by selector matches this appliance", desired(Specs.with(WEB,
                                new Placement(List.of(), Map.of("role", "edge")))), workers(),
                        "Create web: create: new partition"),
                row("crash restarts after the first backoff (Always)", desired(WEB),
                        workers(stopped(WEB, StopReason.WORKER_KILLED, NOW.minusSeconds(11))),
                        "Start web: start: restart after worker killed (restartPolicy Always)"),
                row("crash within the backoff waits", desired(WEB),
                        workers(stopped(WEB, StopReason.WORKER_KILLED, NOW.minusSeconds(5))),
                        "Wait web: wait: restart after worker killed (restartPolicy Always) at "
                                + NOW.plusSeconds(5) + ", backing off 10s"),
                row("third crash in a row backs off 40s", desired(WEB),
                        observed(workers(stopped(WEB, StopReason.WORKER_EXITED, NOW.minusSeconds(30))),
                                ledger(WEB, false, DeletionPolicy.RETAIN, 2)),
                        "Wait web: wait: restart after worker exit (restartPolicy Always) at "
                                + NOW.plusSeconds(10) + ", backing off 40s"),
                row("guest shutdown under OnFailure stays stopped",
                        desired(Specs.with(WEB, RestartPolicy.ON_FAILURE)),
                        workers(stopped(WEB, StopReason.GUEST_SHUTDOWN, NOW.minusSeconds(60))), "InSync web"),
                row("panic under OnFailure restarts", desired(Specs.with(WEB, RestartPolicy.ON_FAILURE)),
                        workers(stopped(WEB, StopReason.GUEST_PANICKED, NOW.minusSeconds(60))),
                        "Start web: start: restart after guest panic (restartPolicy OnFailure)"),
                row("crash under Never stays down", desired(Specs.with(WEB, RestartPolicy.NEVER)),
                        workers(stopped(WEB, StopReason.WORKER_KILLED, NOW.minusSeconds(60))), "InSync web"),
                row("too big for the host waits Pending", desired(Specs.withMemory(WEB, 16L << 30, 30L << 30)),
                        workers(), "Wait web: wait: needs 30Gi of memory, 24Gi free of 24Gi allocatable"),
                row("more CPUs than the host waits Pending", desired(Specs.withCpus(WEB, 4)), workers(),
                        "Wait web: wait: needs 4 CPUs, the host has 2"),
                row("the first in name order gets the memory", context(new HostResources(2, (512 + 300) * MI)),
                        desired(partition("a"), partition("b")), workers(),
                        "Create a: create: new partition",
                        "Wait b: wait: needs 256Mi of memory, 44Mi free of 300Mi allocatable"),
                row("stops come before starts", desired(partition("a"), Specs.with(partition("b"), RunState.STOPPED)),
                        workers(running(partition("b"))),
                        "Stop b: stop: runState is Stopped", "Create a: create: new partition"));
    }

    private static final Partition DB = partition("db");
    private static final Partition APP = Specs.dependsOn(partition("app"), "db");

    /** spec.dependsOn: starts wait for Ready dependencies, stops for running dependents. */
    static Stream<Row> dependsOnSituations() {
        return Stream.of(
                row("a dependent waits while its dependency has no worker", desired(APP, DB), workers(),
                        "Create db: create: new partition", "Wait app: waiting for db: not running"),
                row("a dependent waits while its dependency is not Ready", desired(APP, DB),
                        notReady(workers(running(DB)), "db", "heartbeat"),
                        "Wait app: waiting for db: not Ready (heartbeat)", "InSync db"),
                row("a dependent starts once its dependency is Ready", desired(APP, DB), workers(running(DB)),
                        "Create app: create: new partition", "InSync db"),
                row("a changed dependent restarts only once its dependency is Ready",
                        desired(Specs.dependsOn(Specs.withCpus(APP, 2), "db"), DB),
                        notReady(workers(running(APP), running(DB)), "db", "tcp 5432 no answer"),
                        "Wait app: waiting for db: not Ready (tcp 5432 no answer)", "InSync db"),
                row("a changed dependent restarts once its dependency is Ready",
                        desired(Specs.dependsOn(Specs.withCpus(APP, 2), "db"), DB), workers(running(APP), running(DB)),
                        "Restart app: restart: cpus 1 → 2", "InSync db"),
                row("a dependent waits while its dependency restarts for a change",
                        desired(APP, Specs.withCpus(DB, 2)), workers(running(DB)),
                        "Restart db: restart: cpus 1 → 2", "Wait app: waiting for db: restarting for a change"),
                row("a crashed dependent restarts only once its dependency is Ready", desired(APP, DB),
                        notReady(workers(stopped(APP, StopReason.WORKER_KILLED, NOW.minusSeconds(60)), running(DB)),
                                "db", "exec pg_isready exited 2"),
                        "Wait app: waiting for db: not Ready (exec pg_isready exited 2)", "InSync db"),
                row("a running dependent keeps running while its dependency is not Ready", desired(APP, DB),
                        notReady(workers(running(APP), running(DB)), "db", "heartbeat"), "InSync app", "InSync db"),
                row("a dependency placed on another appliance is never met here",
                        desired(APP, Specs.with(DB, new Placement(List.of("host-b"), Map.of()))), workers(),
                        "Wait app: waiting for db: not placed on this appliance"),
                row("every unmet dependency is named",
                        desired(Specs.dependsOn(partition("app"), "db", "cache"), DB, partition("cache")),
                        notReady(workers(running(DB)), "db", "heartbeat"), "Create cache: create: new partition",
                        "Wait app: waiting for db: not Ready (heartbeat); cache: not running", "InSync db"),
                row("a chain starts one link at a time",
                        desired(Specs.dependsOn(partition("a"), "b"), Specs.dependsOn(partition("b"), "c"), partition("c")),
                        workers(), "Create c: create: new partition", "Wait a: waiting for b: not running",
                        "Wait b: waiting for c: not running"),
                row("stopped together, the dependent stops first",
                        desired(Specs.dependsOn(Specs.with(partition("app"), RunState.STOPPED), "db"),
                                Specs.with(DB, RunState.STOPPED)),
                        workers(running(APP), running(DB)),
                        "Stop app: stop: runState is Stopped", "Wait db: wait: stops after app, which depend on it"),
                row("stopped together, the dependency stops once its dependent is down",
                        desired(Specs.dependsOn(Specs.with(partition("app"), RunState.STOPPED), "db"),
                                Specs.with(DB, RunState.STOPPED)),
                        workers(stopped(APP, StopReason.REQUESTED, NOW.minusSeconds(1)), running(DB)),
                        "Stop db: stop: runState is Stopped", "InSync app"),
                row("a chain stopped together stops from the last dependent",
                        desired(Specs.dependsOn(Specs.with(partition("a"), RunState.STOPPED), "b"),
                                Specs.dependsOn(Specs.with(partition("b"), RunState.STOPPED), "c"),
                                Specs.with(partition("c"), RunState.STOPPED)),
                        workers(running(partition("a")), running(partition("b")), running(partition("c"))),
                        "Stop a: stop: runState is Stopped", "Wait b: wait: stops after a, which depend on it",
                        "Wait c: wait: stops after b, which depend on it"),
                row("removed together, the dependent the ledger knows of is deleted first", desired(),
                        observed(workers(running(APP), running(DB)), Map.of(APP.name(),
                                new LedgerEntry("abc123", false, DeletionPolicy.RETAIN, Duration.ofSeconds(30), 0, 0,
                                        List.of("db"), null))),
                        "Delete app: delete: no longer in Git for this appliance (disks retained)",
                        "Wait db: wait: stops after app, which depend on it"),
                row("a dependency stopped alone leaves its running dependent running",
                        desired(APP, Specs.with(DB, RunState.STOPPED)), workers(running(APP), running(DB)),
                        "Stop db: stop: runState is Stopped", "InSync app"));
    }

    private static Observed notReady(Map<PartitionName, WorkerStatus> workers, String name, String why) {
        return new Observed(workers, Map.of(), Map.of(new PartitionName(name), why), Map.of());
    }

    /** Try rollouts: WEB on 1 CPU is what ran (revision abc000), TRIED on 2 CPUs is the change (abc123). */
    static Stream<Row> rollouts() {
        Instant deadline = NOW.plus(TIMEOUT);
        Trial trying = Trial.trying("abc123", Rollouts.fingerprint(TRIED), TRY_WEB.vm(), "abc000", NOW.minusSeconds(30),
                NOW.plusSeconds(90)).dispatched("restart", "restart: cpus 1 → 2");
        Trial expired = Trial.trying("abc123", Rollouts.fingerprint(TRIED), TRY_WEB.vm(), "abc000", NOW.minus(TIMEOUT),
                NOW.minusSeconds(1)).dispatched("restart", "restart: cpus 1 → 2");
        Trial rollingBack = expired.failed("NotReady", "not Ready within 2m (heartbeat)", NOW.minusSeconds(1));
        Trial rolledBack = rollingBack.restored(NOW.minusSeconds(1));
        String begin = "Begin web: try abc123 until " + deadline + ", else abc000's machine";
        return Stream.of(
                row("Try: a change that restarts begins a trial", desired(TRIED), observed(workers(running(TRY_WEB)),
                                ledger(null)),
                        "Restart web: restart: cpus 1 → 2", begin),
                row("Try: a live memory change begins a trial",
                        desired(Specs.withMemory(TRY_WEB, 192 * MI, 256 * MI)), observed(workers(running(TRY_WEB)), ledger(null)),
                        "UpdateMemory web: update live: memory 128Mi → 192Mi", begin),
                row("Try: a live disk growth begins a trial",
                        desired(Specs.withDisks(TRY_WEB, blank("data", 2048))),
                        observed(workers(running(Specs.withDisks(TRY_WEB, blank("data", 1024)))), ledger(null)),
                        "GrowDisks web: update live: disks.data.size 1Gi → 2Gi", begin),
                row("Restart (the default): a change is applied and kept, no trial", desired(Specs.withCpus(WEB, 2)),
                        observed(workers(running(WEB)), ledger(null)), "Restart web: restart: cpus 1 → 2"),
                row("Try: creating a partition is not a trial", desired(TRY_WEB), workers(),
                        "Create web: create: new partition"),
                row("Try: a start after a crash is not a trial", desired(TRIED),
                        observed(workers(stopped(TRY_WEB, StopReason.WORKER_KILLED, NOW.minusSeconds(11))), ledger(null)),
                        "Start web: start: restart after worker killed (restartPolicy Always)"),
                row("Try: trying, not Ready before the deadline: wait", desired(TRIED),
                        observed(workers(running(TRIED)), ledger(trying), notReady()), "InSync web"),
                row("Try: Ready in time keeps the change", desired(TRIED),
                        observed(workers(running(TRIED)), ledger(trying), TrialReadiness.READY),
                        "InSync web", "Succeeded web"),
                row("Try: not Ready by the deadline restores the previous machine", desired(TRIED),
                        observed(workers(running(TRIED)), ledger(expired), notReady()),
                        "Restart web: restart: cpus 2 → 1",
                        "Failed web: NotReady: not Ready within 2m (heartbeat)"),
                row("Try: a deadline passed while the reconciler was down waits until readiness is known", desired(TRIED),
                        observed(workers(running(TRIED)), ledger(expired),
                                TrialReadiness.notYetKnown("not asked yet since the reconciler started")), "InSync web"),
                row("Try: the tried machine crashed by the deadline: the previous one starts", desired(TRIED),
                        observed(workers(stopped(TRIED, StopReason.GUEST_PANICKED, NOW.minusSeconds(60))), ledger(expired),
                                notReady()),
                        "Start web: start: restart after guest panic (restartPolicy Always)",
                        "Failed web: NotRunning: not Ready within 2m: the worker is not running (crashed)"),
                row("Try: the change was never applied (its restart failed): nothing to undo", desired(TRIED),
                        observed(workers(running(TRY_WEB)), ledger(expired), notReady()),
                        "InSync web",
                        "Failed web: NotApplied: not Ready within 2m: the change was not applied, the worker still runs another machine"),
                row("Try: a live memory change that failed is undone live",
                        desired(Specs.withMemory(TRY_WEB, 192 * MI, 256 * MI)),
                        observed(workers(running(Specs.withMemory(TRY_WEB, 192 * MI, 256 * MI))),
                                ledger(new Trial(Trial.Phase.TRYING, "update-memory", "update live: memory 128Mi → 192Mi",
                                        "abc123", Rollouts.fingerprint(Specs.withMemory(TRY_WEB, 192 * MI, 256 * MI)), TRY_WEB.vm(),
                                        "abc000", NOW.minus(TIMEOUT), NOW.minusSeconds(1), null, null, null)), notReady()),
                        "UpdateMemory web: update live: memory 192Mi → 128Mi",
                        "Failed web: NotReady: not Ready within 2m (heartbeat)"),
                row("Try: a disk the change grew keeps its size when the rest is rolled back",
                        desired(Specs.withCpus(Specs.withDisks(TRY_WEB, blank("data", 2048)), 2)),
                        observed(workers(running(Specs.withCpus(Specs.withDisks(TRY_WEB, blank("data", 2048)), 2))),
                                ledger(new Trial(Trial.Phase.TRYING, "restart", "restart: cpus 1 → 2, disks.data.size 1Gi → 2Gi",
                                        "abc123", Rollouts.fingerprint(Specs.withCpus(Specs.withDisks(TRY_WEB, blank("data", 2048)), 2)),
                                        Specs.withDisks(TRY_WEB, blank("data", 1024)).vm(), "abc000", NOW.minus(TIMEOUT),
                                        NOW.minusSeconds(1), null, null, null)), notReady()),
                        "Restart web: restart: cpus 2 → 1",
                        "Failed web: NotReady: not Ready within 2m (heartbeat)"),
                row("Try: rolling back, the previous machine runs: restored", desired(TRIED),
                        observed(workers(running(TRY_WEB)), ledger(rollingBack)), "InSync web", "Restored web"),
                row("Try: rolled back, Git unchanged for it: it stays on the previous machine", desired(TRIED),
                        observed(workers(running(TRY_WEB)), ledger(rolledBack)), "InSync web"),
                row("Try: rolled back, a commit that does not touch it does not try again",
                        new Desired("def456", List.of(TRIED, partition("other"))),
                        observed(workers(running(TRY_WEB), running(partition("other"))), ledger(rolledBack)),
                        "InSync other", "InSync web"),
                row("Try: rolled back and crashed: the previous machine starts again", desired(TRIED),
                        observed(workers(stopped(TRY_WEB, StopReason.WORKER_KILLED, NOW.minusSeconds(11))), ledger(rolledBack)),
                        "Start web: start: restart after worker killed (restartPolicy Always)"),
                row("Try: rolled back, Git changes the machine again: a new trial, back to the same previous machine",
                        desired(OTHER), observed(workers(running(TRY_WEB)), ledger(rolledBack)),
                        "Restart web: restart: maxMemory 256Mi → 512Mi", begin),
                row("Try: a change that does not fit waits, and its trial with it",
                        desired(Specs.withCpus(TRY_WEB, 3)), observed(workers(running(TRY_WEB)), ledger(null)),
                        "Wait web: wait: needs 3 CPUs, the host has 2"),
                row("Try: rolled back, Git changes only the timeout: tried again",
                        desired(Specs.with(TRIED, new Rollout(Rollout.Strategy.TRY, Duration.ofMinutes(5)))),
                        observed(workers(running(TRY_WEB)), ledger(rolledBack)),
                        "Restart web: restart: cpus 1 → 2",
                        "Begin web: try abc123 until " + NOW.plus(Duration.ofMinutes(5)) + ", else abc000's machine"),
                row("Try: trying, Git changes the machine again: the new trial keeps the machine that was Ready",
                        desired(OTHER), observed(workers(running(TRIED)), ledger(trying), notReady()),
                        "Restart web: restart: cpus 2 → 1, maxMemory 256Mi → 512Mi", begin),
                row("Try: rolled back, the strategy becomes Restart: Git's spec is applied, the trial dropped",
                        desired(Specs.with(TRIED, Rollout.DEFAULT)), observed(workers(running(TRY_WEB)), ledger(rolledBack)),
                        "Restart web: restart: cpus 1 → 2", "Dropped web"),
                row("Try: rolled back, runState Stopped: stopped, the trial dropped",
                        desired(Specs.with(TRIED, RunState.STOPPED)), observed(workers(running(TRY_WEB)), ledger(rolledBack)),
                        "Stop web: stop: runState is Stopped", "Dropped web"));
    }

    private static final Duration TIMEOUT = Duration.ofMinutes(2);
    private static final Partition TRY_WEB = Specs.with(WEB, new Rollout(Rollout.Strategy.TRY, TIMEOUT));
    private static final Partition TRIED = Specs.withCpus(TRY_WEB, 2);
    private static final Partition OTHER = Specs.withMemory(TRY_WEB, 128 * MI, 512 * MI);

    private static TrialReadiness notReady() {
        return TrialReadiness.notReady("heartbeat");
    }

    private static Map<PartitionName, LedgerEntry> ledger(Trial trial) {
        return Map.of(WEB.name(), new LedgerEntry("abc000", false, DeletionPolicy.RETAIN, Duration.ofSeconds(30), 0, 0,
                List.of(), trial));
    }

    private static Observed observed(Map<PartitionName, WorkerStatus> workers, Map<PartitionName, LedgerEntry> ledger,
                                     TrialReadiness readiness) {
        return new Observed(workers, ledger, Map.of(), Map.of(WEB.name(), readiness));
    }

    static Stream<Row> allSituations() {
        return Stream.of(situations(), dependsOnSituations(), rollouts()).flatMap(s -> s);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("allSituations")
    void plans(Row row) {
        Plan plan = Planner.plan(row.desired(), row.observed(), row.context());
        List<String> rendered = new ArrayList<>(plan.actions().stream().map(PlannerTest::render).toList());
        plan.rollouts().forEach((name, step) -> rendered.add(render(name, step)));
        assertThat(rendered).containsExactlyElementsOf(row.expected());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("allSituations")
    void isDeterministic(Row row) {
        assertThat(Planner.plan(row.desired(), row.observed(), row.context()))
                .isEqualTo(Planner.plan(row.desired(), row.observed(), row.context()));
    }

    private static String render(PartitionName name, RolloutStep step) {
        String kind = step.getClass().getSimpleName() + " " + name;
        return switch (step) {
            case RolloutStep.Begin begin -> kind + ": try " + begin.trial().revision() + " until " + begin.trial().deadline()
                    + ", else " + begin.trial().previousRevision() + "'s machine";
            case RolloutStep.Failed failed -> kind + ": " + failed.trial().reason() + ": " + failed.trial().message();
            default -> kind;
        };
    }

    private static String render(Action action) {
        String kind = action.getClass().getSimpleName() + " " + action.name();
        return action.describe() == null ? kind : kind + ": " + action.describe();
    }

    private static Row row(String situation, Desired desired, Object observed, String... expected) {
        return row(situation, context(new HostResources(2, (24L << 30) + (512 * MI))), desired, observed, expected);
    }

    private static Row row(String situation, PlanContext context, Desired desired, Object observed, String... expected) {
        Observed o = observed instanceof Observed ob ? ob : observed((Map<PartitionName, WorkerStatus>) observed, Map.of());
        return new Row(situation, desired, o, context, Arrays.asList(expected));
    }

    private static PlanContext context(HostResources host) {
        return new PlanContext("host-a", Map.of("role", "edge"), host, 512 * MI, NOW);
    }

    private static Desired desired(Partition... partitions) {
        return new Desired("abc123", List.of(partitions));
    }

    private static Map<PartitionName, WorkerStatus> workers(WorkerStatus... statuses) {
        Map<PartitionName, WorkerStatus> map = new HashMap<>();
        for (WorkerStatus s : statuses) {
            map.put(s.name(), s);
        }
        return map;
    }

    private static Observed observed(Map<PartitionName, WorkerStatus> workers, Map<PartitionName, LedgerEntry> ledger) {
        return new Observed(workers, ledger);
    }

    private static Map<PartitionName, LedgerEntry> ledger(Partition p, boolean protect, DeletionPolicy policy,
                                                          int consecutiveFailures) {
        return Map.of(p.name(), new LedgerEntry("abc123", protect, policy, Duration.ofSeconds(30), 0,
                consecutiveFailures));
    }

    private static DiskConfig blank(String name, long mebibytes) {
        return new DiskConfig(name, new DiskConfig.Blank(mebibytes * MI));
    }

    private static DiskConfig overlay(String name, long mebibytes) {
        return new DiskConfig(name, new DiskConfig.Overlay("tiny/base.qcow2", mebibytes * MI));
    }

    private static WorkerStatus running(Partition p) {
        return new WorkerStatus(p.name(), VmState.RUNNING, p.vm(), OptionalLong.of(42), Accel.TCG,
                NOW.minusSeconds(3600), Optional.empty(), GuestInfo.UNKNOWN, Optional.empty());
    }

    private static WorkerStatus stopped(Partition p, StopReason reason, Instant at) {
        return new WorkerStatus(p.name(), reason.isFailure() ? VmState.CRASHED : VmState.STOPPED, p.vm(),
                OptionalLong.empty(), Accel.TCG, at.minusSeconds(60), Optional.of(new StopInfo(reason, at, "")),
                GuestInfo.UNKNOWN, Optional.empty());
    }

    private static Partition withCloudInit(Partition p, String userData) {
        return Specs.withVm(p, p.vm().withCloudInit(Optional.of(CloudInit.of(p.name(), userData, Optional.empty()))));
    }

    private static VmConfig uefi(Partition p, boolean secureBoot) {
        VmConfig vm = p.vm();
        return new VmConfig(vm.name(), vm.profile(), vm.cpus(), vm.memoryBytes(), vm.maxMemoryBytes(),
                new BootConfig.FromDisk(Firmware.UEFI, secureBoot), List.of(blank("c", 1024)), vm.networks(), vm.devices(),
                vm.integration(), vm.shutdownGracePeriod());
    }
}
