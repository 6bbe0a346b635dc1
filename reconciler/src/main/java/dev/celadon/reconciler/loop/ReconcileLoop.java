package dev.celadon.reconciler.loop;

import dev.celadon.hypervisor.Hypervisor;
import dev.celadon.hypervisor.BridgeMissingException;
import dev.celadon.hypervisor.HostFileMissingException;
import dev.celadon.hypervisor.HypervisorException;
import dev.celadon.hypervisor.InvalidVmConfigException;
import dev.celadon.hypervisor.Incident;
import dev.celadon.hypervisor.PartitionName;
import dev.celadon.hypervisor.Retry;
import dev.celadon.hypervisor.WorkerStatus;
import dev.celadon.reconciler.apply.Applier;
import dev.celadon.reconciler.images.ImageFetcher;
import dev.celadon.reconciler.images.ImageRequest;
import dev.celadon.reconciler.images.ImageState;
import dev.celadon.reconciler.images.ImageSettings;
import dev.celadon.reconciler.plan.Action;
import dev.celadon.reconciler.plan.Desired;
import dev.celadon.reconciler.plan.LedgerEntry;
import dev.celadon.reconciler.plan.Observed;
import dev.celadon.reconciler.plan.Plan;
import dev.celadon.reconciler.plan.PlanContext;
import dev.celadon.reconciler.plan.Planner;
import dev.celadon.reconciler.plan.RolloutStep;
import dev.celadon.reconciler.spec.Partition;
import dev.celadon.reconciler.spec.RunState;
import dev.celadon.reconciler.spec.SourceLocation;
import dev.celadon.reconciler.source.RevisionRefusedException;
import dev.celadon.reconciler.source.SourceException;
import dev.celadon.reconciler.spec.SpecSet;
import dev.celadon.reconciler.status.ReconcileMetrics;
import dev.celadon.reconciler.status.Event;
import dev.celadon.reconciler.status.StatusStore;
import dev.celadon.reconciler.upgrade.ApplianceUpgrades;
import org.jboss.logging.Logger;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The reconcile loop, level-triggered: every tick it observes the hypervisor, plans against the last
 * good revision and dispatches what differs, whether or not Git changed, so drift and crashes are
 * corrected. Four kinds of thread, each with one owner, so that nothing slow holds up the rest:
 * <ol>
 *   <li>the sync thread fetches Git every poll interval (backing off while it fails) and parses a new
 *       revision once;</li>
 *   <li>the probe thread starts the guest probes every {@link #PROBE_INTERVAL};</li>
 *   <li>the loop thread owns all loop state: it supervises, plans, dispatches and publishes status;</li>
 *   <li>applies and guest probes run on virtual threads, at most one call on a partition's worker at a
 *       time ({@link PartitionLocks}).</li>
 * </ol>
 * Closing the loop never stops a worker: partitions outlive the reconciler.
 */
public final class ReconcileLoop implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ReconcileLoop.class);
    /** How often a running guest's agent is asked for a heartbeat. */
    static final Duration PROBE_INTERVAL = Duration.ofSeconds(5);
    /**
     * How long passes may stop completing before readiness goes DOWN: a pass plans in milliseconds, but
     * supervision may wait on a hung worker's QMP commands for their timeouts.
     */
    static final Duration PASS_STALL = Duration.ofMinutes(2);
    /** The longest wait between fetches while Git keeps failing (unless the poll interval is longer). */
    static final Duration SYNC_BACKOFF_CAP = Duration.ofMinutes(1);
    /** The failure reason of an apply that failed with anything but a hypervisor's own failure: a bug. */
    static final String INTERNAL_FAILURE = "InternalError";
    /** The reason a revision is refused for errors in its specs. */
    static final String SPEC_ERRORS = "SpecErrors";
    /** The reason a revision is refused for its signature ({@code celadon.git.verify}). */
    static final String SIGNATURE_REFUSED = "SignatureRefused";

    private final LoopSettings settings;
    private final RevisionSource source;
    private final Function<Path, SpecSet> loadSpecs;
    private final Hypervisor hypervisor;
    private final Applier applier;
    private final Ledger ledger;
    private final StatusStore store;
    private final LoopListener listener;
    private final Clock clock;

    private final ScheduledExecutorService loopThread = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("celadon-loop").daemon().factory());
    private final ScheduledExecutorService syncThread = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("celadon-git").daemon().factory());
    private final ScheduledExecutorService probeThread = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("celadon-probe").daemon().factory());
    private final ExecutorService workers = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("celadon-apply-", 0).factory());

    /** Written by the sync thread, read by the loop thread. */
    private final AtomicReference<SourceState> sourceState;
    /** At most one call on a partition's worker handle at a time (the SPI's rule): applies and probes. */
    private final PartitionLocks handles = new PartitionLocks();

    // Sync-thread state: failed fetches back off.
    private int failedSyncs;
    private Instant nextSyncAt = Instant.MIN;
    private String unloadableRevision;
    private String unloadableProblem;

    // Loop-thread state.
    private final Map<PartitionName, InFlight> inFlight = new HashMap<>();
    private final Map<PartitionName, ApplyFailure> failures = new HashMap<>();
    private final StatusBuilder statusBuilder;
    private final GuestProber prober;
    private final NetworkObserver network;
    /** Its own download threads; the loop thread only asks it for images and reads where they stand. */
    private final ImageFetcher images;
    private final ActionEvents actionEvents = new ActionEvents();
    private final ReadinessTracker readiness = new ReadinessTracker();
    private final TryRollouts rollouts;
    private final ApplianceUpgrades upgrades;

    /** An apply for {@code revision}, dispatched at {@code since}; {@code ended} is set when it returns. */
    private record InFlight(Action action, CompletableFuture<Void> done, String revision, Instant since,
                            AtomicReference<Instant> ended) {
    }

    public ReconcileLoop(LoopSettings settings, ImageSettings imageSettings, RevisionSource source,
                         Function<Path, SpecSet> loadSpecs, Hypervisor hypervisor, Ledger ledger, StatusStore store,
                         LoopListener listener, ApplianceUpgrades.Setup upgradeSetup, Clock clock) {
        this.settings = settings;
        this.source = source;
        this.loadSpecs = loadSpecs;
        this.hypervisor = hypervisor;
        this.applier = new Applier(hypervisor);
        this.ledger = ledger;
        this.store = store;
        this.listener = listener;
        this.clock = clock;
        this.sourceState = new AtomicReference<>(SourceState.initial());
        this.statusBuilder = new StatusBuilder(settings, hypervisor.accel().qemuName());
        this.prober = new GuestProber(hypervisor, workers, handles, clock);
        this.images = new ImageFetcher(imageSettings, this::wake, clock);
        this.network = NetworkObserver.ofHost(settings);
        this.rollouts = new TryRollouts(ledger, listener, clock.instant());
        this.upgrades = new ApplianceUpgrades(upgradeSetup, new ApplianceUpgrades.Images() {
            @Override
            public Optional<Path> cached(String sha256) {
                return images.cached(sha256);
            }

            @Override
            public ImageState state(String sha256) {
                return images.state(sha256);
            }
        });
    }

    /** Starts syncing and reconciling in the background. */
    public void start() {
        store.expectLoop(syncStall(settings.pollInterval()), PASS_STALL, clock.instant());
        syncThread.scheduleWithFixedDelay(this::syncWhenDue, 0, settings.pollInterval().toMillis(), TimeUnit.MILLISECONDS);
        loopThread.scheduleWithFixedDelay(this::tickSafely, 0, settings.tick().toMillis(), TimeUnit.MILLISECONDS);
        // Its own thread: a slow fetch must not delay a heartbeat, nor a slow agent a fetch.
        probeThread.scheduleWithFixedDelay(this::probeSafely, PROBE_INTERVAL.toMillis(), PROBE_INTERVAL.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /**
     * How long syncs may stop completing before readiness goes DOWN: a fetch and a parse take seconds, Git's
     * own timeouts end a hung transfer within minutes, and a backing-off sync waits at most {@link #SYNC_BACKOFF_CAP}.
     */
    static Duration syncStall(Duration pollInterval) {
        Duration tenPolls = Duration.ofMillis(pollInterval.toMillis() * 10);
        return tenPolls.compareTo(Duration.ofMinutes(5)) > 0 ? tenPolls : Duration.ofMinutes(5);
    }

    /** The scheduled sync: skipped while a failed fetch backs off. */
    private void syncWhenDue() {
        if (!clock.instant().isBefore(nextSyncAt)) {
            syncOnce();
        }
    }

    /**
     * The next fetch after a failure: at once for a failure only a new commit can mend (the poll interval
     * is the wait), else the poll interval doubled per failure in a row, at most {@link #SYNC_BACKOFF_CAP}.
     */
    private Instant nextSyncAfter(Throwable failure, Instant now) {
        boolean stall = failure instanceof SourceException se && se.retry() == Retry.STALL;
        failedSyncs = stall ? 0 : failedSyncs + 1;
        if (failedSyncs == 0) {
            return now;
        }
        // The scheduler comes back every poll interval; the fetch is skipped until the wait is over.
        return now.plus(syncBackoff(failedSyncs, settings.pollInterval())).minus(settings.pollInterval());
    }

    /** The wait from a failed fetch to the next, after {@code failures} in a row. */
    static Duration syncBackoff(int failures, Duration pollInterval) {
        long poll = pollInterval.toMillis();
        return Duration.ofMillis(Math.min(poll << Math.min(failures - 1, 16), Math.max(poll, SYNC_BACKOFF_CAP.toMillis())));
    }

    private void probeSafely() {
        try {
            prober.probeAll();
        } catch (RuntimeException | Error e) {
            LOG.error("guest probes failed", e);
        }
    }

    /** Fetches Git once and, for a new revision, parses it. Runs on the sync thread (or a test's). */
    public void syncOnce() {
        Instant now = clock.instant();
        SourceState before = sourceState.get();
        try {
            RevisionSource.Fetched fetched = source.fetch();
            if (fetched.revision().equals(before.fetchedRevision())) {
                sourceState.set(before.fetchedAgain(fetched.verification(), now));
                listener.synced("unchanged");
            } else {
                SpecSet specs = load(fetched);
                sourceState.set(before.withRevision(fetched.revision(), specs, fetched.verification(), now));
                listener.synced(specs.isValid() ? "ok" : "invalid");
                listener.recorded(Event.revisionFetched(now, fetched.revision(), Duration.between(now, clock.instant())));
                if (fetched.verification() != null && fetched.verification().verified()) {
                    listener.recorded(Event.revisionVerified(now, fetched.revision(), "signed with " + fetched.verification().format()
                            + " key " + fetched.verification().key() + " (" + fetched.verification().signer() + ")"));
                }
                if (!specs.isValid()) {
                    LOG.warnf("revision %s rejected, %s stays in force: %s", fetched.revision(),
                            before.desired().revision(), specs.errors());
                    listener.recorded(Event.revisionRefused(clock.instant(), fetched.revision(), SPEC_ERRORS,
                            sourceState.get().lastError() + "; the first: " + specs.errors().getFirst()));
                }
            }
            failedSyncs = 0;
            nextSyncAt = now;
        } catch (RevisionRefusedException e) {
            // Not a failed fetch: the remote answered, with a revision that is not to be applied.
            sourceState.set(before.refused(e.verification(), now));
            listener.synced(ReconcileMetrics.SYNC_REFUSED);
            // Once per refusal, not at every poll that finds the same tip still refused.
            if (!e.verification().equals(before.verification())) {
                listener.recorded(Event.revisionRefused(now, e.verification().object(), SIGNATURE_REFUSED,
                        e.verification().reason()));
            }
            failedSyncs = 0;
            nextSyncAt = now;
        } catch (Exception | Error e) {
            // Errors too (an OutOfMemoryError from a hostile revision): a sync task that threw would be
            // cancelled by its executor without a word, and the next commit, the fix, never fetched.
            String message = e instanceof Error ? e.toString() : e.getMessage();
            SourceState failed = before.failed(message, now);
            sourceState.set(before.desired().revision() == null ? fromLastCheckout(failed) : failed);
            listener.synced("error");
            nextSyncAt = nextSyncAfter(e, now);
            LOG.warnf("sync failed, keeping revision %s: %s", sourceState.get().desired().revision(), message);
        }
        store.markSynced(clock.instant());
        // A pass now, not at the next tick: it applies a new revision and publishes what the sync found.
        if (before.shownDiffers(sourceState.get())) {
            wake();
        }
    }

    /**
     * Parses a new revision. One whose parse threw (the reader's limits should make that impossible; an
     * OutOfMemoryError is what a hostile revision did before them) is remembered and never parsed again:
     * every poll would repeat the damage, and only a new commit can mend it.
     */
    private SpecSet load(RevisionSource.Fetched fetched) {
        if (fetched.revision().equals(unloadableRevision)) {
            throw new IllegalStateException(unloadableProblem);
        }
        try {
            return loadSpecs.apply(fetched.specDir());
        } catch (RuntimeException | Error e) {
            unloadableRevision = fetched.revision();
            unloadableProblem = "revision " + fetched.revision() + " cannot be loaded: " + e;
            throw new IllegalStateException(unloadableProblem, e);
        }
    }

    /**
     * A start while Git cannot be reached: rather than hold everything until it answers (crashed
     * partitions would stay down), follow the revision an earlier run checked out, if it is valid.
     */
    private SourceState fromLastCheckout(SourceState failed) {
        try {
            Optional<RevisionSource.Fetched> disk = source.lastKnown();
            if (disk.isEmpty()) {
                return failed;
            }
            SpecSet specs = loadSpecs.apply(disk.get().specDir());
            if (!specs.isValid()) {
                return failed;
            }
            LOG.warnf("Git cannot be reached: following revision %s from the last checkout", disk.get().revision());
            return failed.followingLastCheckout(disk.get().revision(), specs, disk.get().verification());
        } catch (RuntimeException e) {
            LOG.warnf("the last checkout cannot be read: %s", e.getMessage());
            return failed;
        }
    }

    /** Asks for a pass as soon as possible, e.g. after an apply finished. */
    public void wake() {
        if (!loopThread.isShutdown()) {
            loopThread.execute(this::tickSafely);
        }
    }

    private void tickSafely() {
        try {
            tick();
        } catch (RuntimeException | Error e) {
            // The loop must outlive any one bad pass; the next tick observes afresh. A task that threw would
            // be cancelled by its executor, and readiness would report the stop.
            LOG.error("reconcile pass failed", e);
        }
    }

    /** One pass: harvest finished work, supervise and observe the workers, plan, dispatch, publish. Loop thread only (or a test's). */
    public synchronized Plan tick() {
        Instant started = clock.instant();
        SourceState src = sourceState.get();
        harvest(src, started);
        hypervisor.supervise();
        Map<PartitionName, WorkerStatus> workersNow = hypervisor.observe().stream()
                .collect(Collectors.toMap(WorkerStatus::name, w -> w));
        ApplianceUpgrades.Pass upgrade = upgrades.pass(
                src.desired().applianceFor(settings.applianceName(), settings.applianceLabels()), src.synced(),
                wantedRunningHere(src.desired()), workersNow, drainLimit(src.desired()), started);
        // Before a reboot into a new version every partition stops, as the revision's own stops do.
        Desired desired = upgrade.drain() ? src.desired().allStopped() : src.desired();
        ReadinessTracker.Pass ready = readiness.evaluate(desired, workersNow, prober, started);
        Plan plan = Planner.plan(desired, new Observed(workersNow, ledger.entries(), ready.notReady(),
                rollouts.readiness(workersNow, ready.verdicts(), started)), context(started));
        rollouts.record(plan, started).forEach(failures::remove);
        recordSpecsInForce(desired, plan, workersNow);
        Map<String, ImageRequest> wanted = new LinkedHashMap<>(ImagesWanted.toFetch(desired, plan));
        wanted.putAll(upgrade.images());
        Set<String> referenced = new HashSet<>(ImagesWanted.referenced(desired));
        referenced.addAll(upgrade.images().keySet());
        images.want(wanted, referenced);
        for (Action action : plan.actions()) {
            dispatch(action, TryRollouts.revisionInForce(ledger.get(action.name()), src.desired().revision()), started,
                    plan.rollout(action.name()));
        }
        Map<PartitionName, Incident> incidents = hypervisor.incidents().stream()
                .collect(Collectors.toMap(Incident::partition, i -> i));
        store.publish(statusBuilder.build(src, plan, workersNow, inFlightActions(), failures, ledger.entries(), incidents,
                upgrade.status(),
                ledger.problem(), images::state, network.observe(started), ready.verdicts(), started));
        if (src.synced()) {
            store.markReflectsGit();
        }
        listener.reconciled(Duration.between(started, clock.instant()));
        store.markPass(clock.instant());
        return plan;
    }

    /** The partitions the revision wants running on this appliance: a new version is good once they run again. */
    private Set<PartitionName> wantedRunningHere(Desired desired) {
        return desired.placedOn(settings.applianceName(), settings.applianceLabels())
                .filter(p -> p.runState() == RunState.RUNNING).map(Partition::name).collect(Collectors.toSet());
    }

    /** How long the partitions may take to stop before a reboot into a new version: the longest grace period, and a minute. */
    private static Duration drainLimit(Desired desired) {
        return desired.partitions().stream().map(p -> p.vm().shutdownGracePeriod()).max(Duration::compareTo)
                .orElse(Duration.ZERO).plus(Duration.ofMinutes(1));
    }

    private PlanContext context(Instant now) {
        return new PlanContext(settings.applianceName(), settings.applianceLabels(), hypervisor.host(),
                settings.reservedMemoryBytes(), now);
    }

    /** Collects finished applies and probes: clears or records failures, counts restarts, forgets deletions. */
    private void harvest(SourceState src, Instant now) {
        inFlight.entrySet().removeIf(entry -> {
            if (!entry.getValue().done().isDone()) {
                return false;
            }
            finished(entry.getKey(), entry.getValue(), src.desired().revision(), now);
            recordOutcome(entry.getValue(), now);
            return true;
        });
    }

    private void finished(PartitionName name, InFlight flight, String revision, Instant now) {
        Throwable failure = flight.done().isCompletedExceptionally() ? unwrap(flight.done().exceptionNow()) : null;
        if (failure == null) {
            failures.remove(name);
            switch (flight.action()) {
                case Action.Delete ignored -> ledger.remove(name);
                case Action.Start start when start.afterFailure() -> {
                    LedgerEntry entry = ledger.get(name);
                    if (entry != null) {
                        ledger.put(name, entry.afterRestart(start.backoffExponent()));
                    }
                }
                default -> { }
            }
            return;
        }
        Retry retry = failure instanceof HypervisorException he ? he.retry() : Retry.BACKOFF;
        String reason = failure instanceof HypervisorException he ? he.reason() : INTERNAL_FAILURE;
        ApplyFailure next = ApplyFailure.next(failures.get(name), retry, reason, describe(failure, flight.action()),
                revision, now);
        if (failure instanceof HostFileMissingException missing) {
            next = next.awaiting(missing.awaited());
        }
        failures.put(name, next);
        LOG.warnf("%s failed (%s, attempt %d): %s", flight.action().describe(), retry, next.attempts(),
                failure.getMessage());
    }

    /** The history's event for a finished apply: applied, or failed as {@link #finished} recorded it. */
    private void recordOutcome(InFlight flight, Instant now) {
        Instant ended = flight.ended().get() == null ? now : flight.ended().get();
        Duration took = Duration.between(flight.since(), ended);
        ApplyFailure failure = flight.done().isCompletedExceptionally() ? failures.get(flight.action().name()) : null;
        (failure == null ? actionEvents.applied(flight.action(), flight.revision(), ended, took)
                : actionEvents.failed(flight.action(), flight.revision(), ended, took, failure.reason(), failure.message()))
                .ifPresent(listener::recorded);
    }

    /**
     * What went wrong, for people: a refusal that names a spec field says where the field's partition is in
     * Git ({@code FILE:LINE:COLUMN: spec.FIELD: problem}), as spec errors do.
     */
    private static String describe(Throwable failure, Action action) {
        Optional<String> field = switch (failure) {
            case InvalidVmConfigException invalid -> Optional.of(invalid.field() + ": " + invalid.problem());
            case HostFileMissingException missing -> Optional.of(missing.field() + ": " + missing.problem());
            case BridgeMissingException missing -> Optional.of(missing.field() + ": " + missing.problem());
            default -> Optional.empty();
        };
        Optional<SourceLocation> at = switch (action) {
            case Action.Create create -> Optional.of(create.partition().source());
            case Action.Start start -> Optional.of(start.partition().source());
            case Action.Restart restart -> Optional.of(restart.partition().source());
            case Action.UpdateMemory update -> Optional.of(update.partition().source());
            case Action.GrowDisks grow -> Optional.of(grow.partition().source());
            default -> Optional.empty();
        };
        if (field.isEmpty() || at.isEmpty()) {
            return failure.getMessage();
        }
        return at.get().file() + ":" + at.get().line() + ":" + at.get().column() + ": spec." + field.get();
    }

    private static Throwable unwrap(Throwable t) {
        return t instanceof java.util.concurrent.CompletionException && t.getCause() != null ? t.getCause() : t;
    }

    private void dispatch(Action action, String revision, Instant now, Optional<RolloutStep> rollout) {
        if (action.describe() == null || action instanceof Action.Wait || inFlight.containsKey(action.name())) {
            return;
        }
        ApplyFailure failure = failures.get(action.name());
        if (failure != null && !failure.allowsRetry(now, revision)) {
            return;
        }
        if (ImagesWanted.awaitsImage(action, images::isReady)) {
            // The fetcher wakes the loop when the image is in; until then the old worker, if any, keeps running.
            return;
        }
        LOG.infof("%s: %s", action.name(), action.describe());
        rollouts.dispatched(action, rollout);
        actionEvents.dispatched(action, revision, now).ifPresent(listener::recorded);
        AtomicReference<Instant> ended = new AtomicReference<>();
        CompletableFuture<Void> done = CompletableFuture.runAsync(() -> {
            try (PartitionLocks.Held held = handles.hold(action.name())) {
                applier.apply(action);
            } catch (HypervisorException e) {
                throw new java.util.concurrent.CompletionException(e);
            } finally {
                ended.set(clock.instant());
            }
        }, workers);
        done.whenComplete((ok, error) -> wake());
        inFlight.put(action.name(), new InFlight(action, done, revision, now, ended));
    }

    /**
     * Remembers the spec of every partition that has or gets a worker: the revision it is applied from,
     * and what to do when it leaves Git. Only once its action is in sync or dispatched, so a revision
     * counts as applied to a partition when the partition follows it.
     */
    private void recordSpecsInForce(Desired desired, Plan plan, Map<PartitionName, WorkerStatus> workersNow) {
        for (Partition partition : desired.partitions()) {
            Action action = plan.forPartition(partition.name()).orElse(null);
            boolean hasWorker = workersNow.containsKey(partition.name());
            boolean follows = action instanceof Action.InSync || (action != null && !(action instanceof Action.Wait)
                    && !(action instanceof Action.RefuseDeletion) && !(action instanceof Action.RefuseChange)
                    && !(action instanceof Action.Delete));
            if ((hasWorker || action instanceof Action.Create) && follows) {
                LedgerEntry previous = ledger.get(partition.name());
                LedgerEntry entry = previous == null
                        ? new LedgerEntry(desired.revision(), partition.protectedFromDeletion(), partition.deletionPolicy(),
                        partition.vm().shutdownGracePeriod(), 0, 0)
                        : previous.withSpec(TryRollouts.revisionInForce(previous, desired.revision()), partition.protectedFromDeletion(),
                        partition.deletionPolicy(), partition.vm().shutdownGracePeriod());
                ledger.put(partition.name(), entry.withDependsOn(partition.dependsOn().stream().map(d -> d.name().value()).toList()));
            }
        }
    }

    private Map<PartitionName, Action> inFlightActions() {
        return inFlight.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().action()));
    }

    /** Waits for dispatched applies; for tests that step the loop by hand. */
    public void awaitApplies(Duration timeout) {
        List<CompletableFuture<Void>> pending;
        synchronized (this) {
            pending = inFlight.values().stream().map(InFlight::done).toList();
        }
        try {
            CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new))
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            // Failed applies are harvested by the next tick; only a timeout is the caller's problem.
            if (e instanceof java.util.concurrent.TimeoutException) {
                throw new IllegalStateException("applies still running after " + timeout, e);
            }
        }
    }

    /** Stops syncing and planning. Workers keep running: a reconciler stop never stops a partition. */
    @Override
    public void close() {
        syncThread.shutdownNow();
        probeThread.shutdownNow();
        loopThread.shutdownNow();
        workers.shutdownNow();
        images.close();
    }
}
