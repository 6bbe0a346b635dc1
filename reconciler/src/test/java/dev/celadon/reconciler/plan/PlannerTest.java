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
import dev.celadon.reconciler.spec.RunState;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.time.Instant;
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

    @ParameterizedTest(name = "{0}")
    @MethodSource("situations")
    void plans(Row row) {
        Plan plan = Planner.plan(row.desired(), row.observed(), row.context());
        assertThat(plan.actions().stream().map(PlannerTest::render).toList())
                .containsExactlyElementsOf(row.expected());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("situations")
    void isDeterministic(Row row) {
        assertThat(Planner.plan(row.desired(), row.observed(), row.context()))
                .isEqualTo(Planner.plan(row.desired(), row.observed(), row.context()));
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
