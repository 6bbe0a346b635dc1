package dev.celadon.reconciler.loop;

import dev.celadon.hypervisor.DiskConfig;
import dev.celadon.hypervisor.GuestInfo;
import dev.celadon.hypervisor.ImageCache;
import dev.celadon.hypervisor.Incident;
import dev.celadon.hypervisor.LiveResources;
import dev.celadon.hypervisor.NetworkConfig;
import dev.celadon.hypervisor.NicInfo;
import dev.celadon.hypervisor.PartitionName;
import dev.celadon.hypervisor.Retry;
import dev.celadon.hypervisor.StopInfo;
import dev.celadon.hypervisor.VmState;
import dev.celadon.hypervisor.WorkerStatus;
import dev.celadon.reconciler.plan.Action;
import dev.celadon.reconciler.plan.LedgerEntry;
import dev.celadon.reconciler.plan.Plan;
import dev.celadon.reconciler.plan.Trial;
import dev.celadon.reconciler.images.ImageState;
import dev.celadon.reconciler.spec.Partition;
import dev.celadon.reconciler.spec.RunState;
import dev.celadon.reconciler.status.ApplianceInfo;
import dev.celadon.reconciler.status.ApplianceNetwork;
import dev.celadon.reconciler.status.Condition;
import dev.celadon.reconciler.status.ErrorView;
import dev.celadon.reconciler.status.GuestView;
import dev.celadon.reconciler.status.NetworkView;
import dev.celadon.reconciler.status.PartitionStatus;
import dev.celadon.reconciler.status.Phase;
import dev.celadon.reconciler.status.SourceStatus;
import dev.celadon.reconciler.status.VerificationView;
import dev.celadon.reconciler.upgrade.UpgradeStatus;
import dev.celadon.reconciler.source.Verification;
import dev.celadon.reconciler.status.StatusDocument;
import dev.celadon.reconciler.status.Summary;
import dev.celadon.reconciler.status.WorkerView;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/** Turns one pass of the loop into the status document of DESIGN.md §5. */
final class StatusBuilder {

    private final LoopSettings settings;
    private final String accel;
    /**
     * Each partition's conditions of the last pass, by type: a condition keeps its {@code since} while its
     * status holds. Kept here, by the loop thread that owns this builder, not read back from what was published.
     */
    private Map<PartitionName, Map<String, Condition>> conditions = Map.of();

    StatusBuilder(LoopSettings settings, String accel) {
        this.settings = settings;
        this.accel = accel;
    }

    StatusDocument build(SourceState src, Plan plan, Map<PartitionName, WorkerStatus> workers,
                         Map<PartitionName, Action> inFlight, Map<PartitionName, ApplyFailure> failures,
                         Map<PartitionName, LedgerEntry> ledger, Map<PartitionName, Incident> incidents,
                         UpgradeStatus upgrade, Optional<Ledger.Problem> ledgerProblem, Function<String, ImageState> images,
                         ApplianceNetwork network, Map<PartitionName, Readiness.Verdict> readiness, Instant now) {
        Map<PartitionName, Partition> desired = src.desired().partitions().stream()
                .collect(Collectors.toMap(Partition::name, Function.identity()));
        List<PartitionStatus> partitions = new ArrayList<>();
        for (Action action : plan.actions()) {
            PartitionName name = action.name();
            partitions.add(partition(name, desired.get(name), action, workers.get(name), inFlight.get(name),
                    failures.get(name), ledger.get(name), incidents.get(name), ledgerProblem,
                    appliedRevision(src, action, ledger.get(name)),
                    conditions.getOrDefault(name, Map.of()), images, now));
            partitions.set(partitions.size() - 1, withReady(partitions.getLast(), readiness.get(name), now));
        }
        partitions.sort((a, b) -> a.name().compareTo(b.name()));
        conditions = partitions.stream().collect(Collectors.toMap(p -> new PartitionName(p.name()),
                p -> p.conditions().stream().collect(Collectors.toMap(Condition::type, Function.identity()))));
        Summary summary = summary(partitions, failures);
        return new StatusDocument(
                new ApplianceInfo(settings.applianceName(), settings.version(), settings.slot(), upgrade, accel,
                        settings.applianceLabels(), network),
                new SourceStatus(settings.sourceUrl(), settings.branch(), src.desired().revision(), src.lastSyncAt(),
                        src.lastError(), src.stale(), verification(src.verification())),
                src.rejected().stream().map(e -> new ErrorView(e.file(), e.line(), e.column(), e.field(), e.message(),
                        src.fetchedRevision())).toList(),
                partitions, summary);
    }

    /** {@code source.verification}: the last signature check, as the status API shows it. */
    private static VerificationView verification(Verification checked) {
        if (checked == null) {
            return null;
        }
        return new VerificationView(checked.verified() ? VerificationView.VERIFIED : VerificationView.REFUSED,
                checked.object(), checked.format(), checked.key(), checked.signer(), checked.reason());
    }

    private PartitionStatus partition(PartitionName name, Partition spec, Action action, WorkerStatus worker,
                                      Action running, ApplyFailure failure, LedgerEntry ledgerEntry, Incident incident,
                                      Optional<Ledger.Problem> ledgerProblem, String revision, Map<String, Condition> since,
                                      Function<String, ImageState> images, Instant now) {
        Phase phase = phase(spec, action, worker, running, failure);
        List<Condition> conditions = new ArrayList<>();
        Optional<Condition> image = imageCondition(spec, images, since, now);
        if (image.isPresent()) {
            conditions.add(image.get());
            phase = imagePhase(phase, image.get(), worker, running);
        }
        conditions.add(workerCondition(worker, since, now));
        if (worker != null && worker.config().hasAgentChannel() && worker.config().integration().heartbeat()) {
            conditions.add(guestCondition(worker, since, now));
        } else if (worker != null && worker.state().isAlive()) {
            conditions.add(unknownGuest(since, now));
        }
        switch (action) {
            case Action.Restart restart -> conditions.add(condition(Condition.RESTART_REQUIRED, true, "SpecChanged",
                    restart.describe(), since, now));
            case Action.Wait wait when wait.reason() == Action.WaitReason.INSUFFICIENT_RESOURCES ->
                    conditions.add(condition(Condition.INSUFFICIENT_RESOURCES, true, "DoesNotFit", wait.message(),
                            since, now));
            case Action.RefuseDeletion refused -> conditions.add(condition(Condition.DELETION_REFUSED, true,
                    "Protected", refused.reason(), since, now));
            case Action.RefuseChange refused -> conditions.add(condition(Condition.CHANGE_REFUSED, true,
                    "DiskShrink", refused.reason(), since, now));
            default -> { }
        }
        if (failure != null) {
            conditions.add(condition(Condition.RECONCILE_FAILED, true, failure.reason(),
                    failure.message() + (failure.retry() == dev.celadon.hypervisor.Retry.STALL
                            ? "; waiting for a new revision" : "; retrying at " + failure.retryAt()), since, now));
        }
        // The ledger is every partition's: what it lost (restart counts) or cannot keep, each one says.
        ledgerProblem.ifPresent(p -> conditions.add(new Condition(p.type(), "True", p.reason(), p.message(), p.since())));
        if (incident != null) {
            conditions.add(condition(Condition.WORKER_RECOVERED, true, camel(incident.reason().name()), incident.message(),
                    since, now));
        }
        if (ledgerEntry != null && ledgerEntry.trial() != null) {
            conditions.add(rolledBack(ledgerEntry.trial(), since, now));
        }
        String runState = spec != null ? spec.runState().yaml() : null;
        int restarts = ledgerEntry != null ? ledgerEntry.restarts() : 0;
        String pending = running != null ? running.describe() : action.describe();
        return new PartitionStatus(name.value(), phase, runState, revision, workerView(worker), guest(worker, now),
                conditions, restarts, pending, networks(worker));
    }

    /**
     * Each NIC of the worker's config as the hypervisor made it, with the addresses the guest agent last reported
     * on the interface of its MAC (as last seen, like the guest's, when the worker is not running).
     */
    private static List<NetworkView> networks(WorkerStatus worker) {
        if (worker == null) {
            return List.of();
        }
        List<NetworkView> views = new ArrayList<>();
        for (NicInfo nic : worker.nics()) {
            Optional<NetworkConfig.Bridge> bridge = worker.config().networks().stream()
                    .filter(n -> n.name().equals(nic.name())).findFirst()
                    .map(NetworkConfig::attachment)
                    .filter(NetworkConfig.Bridge.class::isInstance).map(NetworkConfig.Bridge.class::cast);
            views.add(new NetworkView(nic.name(), nic.mac(), nic.tap().orElse(null), bridge.map(NetworkConfig.Bridge::bridge).orElse(null),
                    bridge.filter(b -> b.vlan().isPresent()).map(b -> b.vlan().getAsInt()).orElse(null), nic.model().specName(),
                    worker.guest().addressesOf(nic.mac())));
        }
        return views;
    }

    /**
     * Whether the images a partition that should run fetches by URL are in the cache: the first that is not
     * says where it stands (downloading with bytes done, total and rate; failed with its reason). None for a
     * partition without such images or not to run (nothing is fetched for it).
     */
    private static Optional<Condition> imageCondition(Partition spec, Function<String, ImageState> images,
                                                      Map<String, Condition> since, Instant now) {
        if (spec == null || spec.runState() != RunState.RUNNING) {
            return Optional.empty();
        }
        List<DiskConfig.Downloaded> downloaded = ImagesWanted.of(spec).toList();
        if (downloaded.isEmpty()) {
            return Optional.empty();
        }
        for (DiskConfig.Downloaded disk : downloaded) {
            String from = " from " + ImageCache.shown(disk.url());
            Condition condition = switch (images.apply(disk.sha256())) {
                case ImageState.Ready ignored -> null;
                case ImageState.Downloading d -> condition(Condition.IMAGE_READY, false, "Downloading",
                        ImagesWanted.progress(d) + from, since, now);
                case ImageState.Queued ignored -> condition(Condition.IMAGE_READY, false, "Queued",
                        "waiting to be downloaded" + from, since, now);
                case ImageState.Failed f -> condition(Condition.IMAGE_READY, false, f.reason().name(),
                        f.message() + "; retrying at " + f.retryAt(), since, now);
            };
            if (condition != null) {
                return Optional.of(condition);
            }
        }
        return Optional.of(condition(Condition.IMAGE_READY, true, "Cached", downloaded.size() == 1
                ? "the image is in the cache" : "the " + downloaded.size() + " images are in the cache", since, now));
    }

    /**
     * A partition with no worker waits for its image: Pending while it downloads, Failed while its download
     * fails. A running worker (the old spec's, in a restart waiting for the new image) keeps its phase.
     */
    private static Phase imagePhase(Phase phase, Condition image, WorkerStatus worker, Action running) {
        if (worker != null || running != null || "True".equals(image.status())) {
            return phase;
        }
        return switch (image.reason()) {
            case "Downloading", "Queued" -> Phase.Pending;
            default -> Phase.Failed;
        };
    }

    /**
     * The revision a partition follows: the one it was last applied from, or for a partition that has
     * nothing to apply (declared Stopped, never started) the revision in force.
     */
    private static String appliedRevision(SourceState src, Action action, LedgerEntry entry) {
        if (entry != null) {
            return entry.revision();
        }
        return action instanceof Action.InSync ? src.desired().revision() : null;
    }

    static Phase phase(Partition spec, Action action, WorkerStatus worker, Action running, ApplyFailure failure) {
        if (running != null) {
            return switch (running) {
                case Action.Create c -> Phase.Starting;
                case Action.Start s -> Phase.Starting;
                case Action.Restart r -> Phase.Starting;
                case Action.Stop s -> Phase.Stopping;
                case Action.Delete d -> Phase.Deleting;
                default -> worker != null ? fromWorker(worker.state()) : Phase.Pending;
            };
        }
        if (failure != null && failure.retry() == dev.celadon.hypervisor.Retry.STALL) {
            return Phase.Failed;
        }
        if (worker != null) {
            return fromWorker(worker.state());
        }
        if (spec != null && action instanceof Action.InSync) {
            return Phase.Stopped;
        }
        return failure != null ? Phase.Failed : Phase.Pending;
    }

    private static Phase fromWorker(VmState state) {
        return switch (state) {
            case STARTING -> Phase.Starting;
            case RUNNING, PAUSED -> Phase.Running;
            case STOPPING -> Phase.Stopping;
            case STOPPED -> Phase.Stopped;
            case CRASHED -> Phase.Failed;
        };
    }

    private static Condition workerCondition(WorkerStatus worker, Map<String, Condition> since, Instant now) {
        if (worker == null) {
            return condition(Condition.WORKER_RUNNING, false, "NoWorker", "no worker process", since, now);
        }
        if (worker.state().isAlive()) {
            return condition(Condition.WORKER_RUNNING, true, camel(worker.state().name()),
                    "pid " + worker.pid().orElse(-1), since, now);
        }
        StopInfo stop = worker.lastStop().orElse(null);
        String reason = stop == null ? camel(worker.state().name()) : camel(stop.reason().name());
        String message = stop == null ? "" : "at " + stop.at() + (stop.detail().isEmpty() ? "" : ": " + stop.detail());
        return condition(Condition.WORKER_RUNNING, false, reason, message, since, now);
    }

    private static Condition guestCondition(WorkerStatus worker, Map<String, Condition> since, Instant now) {
        Instant heartbeat = worker.guest().heartbeatAt().orElse(null);
        if (heartbeat == null) {
            // Since when says how worried to be: seconds into a boot, or a guest stuck in its firmware for minutes.
            return condition(Condition.GUEST_READY, false, "NoHeartbeat", "the guest agent has not answered since the "
                    + "worker started at " + worker.startedAt().truncatedTo(ChronoUnit.SECONDS), since, now);
        }
        boolean fresh = heartbeatFresh(worker, now);
        return condition(Condition.GUEST_READY, fresh, fresh ? "Heartbeat" : "HeartbeatLost",
                "last heartbeat at " + heartbeat, since, now);
    }

    /**
     * {@code RolledBack}: True once a Try rollout was given up, naming the revision and why; False (reason
     * {@code Trying}) while the change still has time to become Ready.
     */
    private static Condition rolledBack(Trial trial, Map<String, Condition> since, Instant now) {
        if (!trial.restoring()) {
            return condition(Condition.ROLLED_BACK, false, "Trying", "revision " + trial.revision() + " ("
                    + trial.change() + ") must be Ready by " + trial.deadline().truncatedTo(ChronoUnit.SECONDS)
                    + ", else the machine of revision " + trial.previousRevision() + " is restored", since, now);
        }
        String state = trial.phase() == Trial.Phase.ROLLING_BACK ? "is being restored" : "runs again";
        return condition(Condition.ROLLED_BACK, true, trial.reason(), "revision " + trial.revision() + " rolled back: "
                + trial.message() + "; the machine of revision " + trial.previousRevision() + " " + state
                + " until Git changes the partition", since, now);
    }

    /**
     * A guest nothing asks (no agent channel, or heartbeats off): Celadon cannot tell a booted guest from one
     * stuck in its firmware, so it does not claim either; its console can.
     */
    private static Condition unknownGuest(Map<String, Condition> since, Instant now) {
        return condition(Condition.GUEST_READY, "Unknown", "NoAgent", "no guest agent is asked for heartbeats"
                + " (integration.heartbeat off, or no agent channel): whether the guest booted shows only on its console",
                since, now);
    }

    private static boolean heartbeatFresh(WorkerStatus worker, Instant now) {
        return Readiness.heartbeatFresh(worker, now);
    }

    /**
     * Adds {@code Ready}, the one condition that says whether the partition is Ready ({@link Readiness}): with
     * the first check that does not hold as its message, e.g. {@code waiting: tcp 5432 no answer}.
     */
    private PartitionStatus withReady(PartitionStatus status, Readiness.Verdict verdict, Instant now) {
        Readiness.Verdict shown = verdict != null ? verdict : new Readiness.Verdict(false, "no worker");
        List<Condition> conditions = new ArrayList<>(status.conditions());
        conditions.add(condition(Condition.READY, shown.ready(), shown.ready() ? "Ready" : "NotReady",
                shown.ready() ? shown.reason() : "waiting: " + shown.reason(),
                this.conditions.getOrDefault(new PartitionName(status.name()), Map.of()), now));
        return new PartitionStatus(status.name(), status.phase(), status.runState(), status.revision(), status.worker(),
                status.guest(), conditions, status.restarts(), status.pending(), status.networks());
    }

    /** What the guest last said; current only while it runs and keeps answering, else as last seen. */
    private static GuestView guest(WorkerStatus worker, Instant now) {
        if (worker == null) {
            return GuestView.UNKNOWN;
        }
        GuestInfo g = worker.guest();
        return new GuestView(g.heartbeatAt().orElse(null), g.os().orElse(null), g.hostname().orElse(null),
                g.addresses(), heartbeatFresh(worker, now));
    }

    /** The live worker and its machine as the hypervisor reports it; null when no worker process is alive. */
    private static WorkerView workerView(WorkerStatus worker) {
        if (worker == null || worker.pid().isEmpty()) {
            return null;
        }
        Optional<LiveResources> live = worker.live();
        return new WorkerView(worker.pid().getAsLong(), worker.accel().qemuName(),
                live.map(LiveResources::cpus).orElse(null), live.map(LiveResources::memoryBytes).orElse(null),
                live.filter(l -> l.balloonBytes().isPresent()).map(l -> l.balloonBytes().getAsLong()).orElse(null),
                worker.isolation());
    }

    /**
     * What should run (Git's {@code Running}), what runs, and what failed: a {@code Failed} phase, or an apply
     * that failed and is retried (a busy worker is not a failure: it is asked again in a second).
     */
    private static Summary summary(List<PartitionStatus> partitions, Map<PartitionName, ApplyFailure> failures) {
        int desired = 0;
        int running = 0;
        int failed = 0;
        for (PartitionStatus p : partitions) {
            ApplyFailure failure = failures.get(new PartitionName(p.name()));
            desired += RunState.RUNNING.yaml().equals(p.runState()) ? 1 : 0;
            running += p.phase() == Phase.Running ? 1 : 0;
            failed += p.phase() == Phase.Failed || (failure != null && failure.retry() != Retry.REQUEUE) ? 1 : 0;
        }
        return new Summary(desired, running, failed);
    }

    /** A condition that keeps its {@code since} while its status does not change. */
    private static Condition condition(String type, boolean status, String reason, String message,
                                       Map<String, Condition> previous, Instant now) {
        return condition(type, status ? "True" : "False", reason, message, previous, now);
    }

    /** {@code value}: True, False or Unknown; {@code since} stays while the value does. */
    private static Condition condition(String type, String value, String reason, String message,
                                       Map<String, Condition> previous, Instant now) {
        Condition before = previous.get(type);
        Instant since = before != null && before.status().equals(value) ? before.since() : now;
        return new Condition(type, value, reason, message, since);
    }

    /** WORKER_KILLED → WorkerKilled: the enum constants in the CamelCase conditions use. */
    private static String camel(String constant) {
        StringBuilder out = new StringBuilder();
        for (String part : constant.toLowerCase(Locale.ROOT).split("_")) {
            out.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
        }
        return out.toString();
    }
}
