package dev.celadon.reconciler.loop;

import dev.celadon.hypervisor.Hypervisor;
import dev.celadon.hypervisor.HypervisorException;
import dev.celadon.hypervisor.Incident;
import dev.celadon.hypervisor.PartitionName;
import dev.celadon.hypervisor.Retry;
import dev.celadon.hypervisor.WorkerStatus;
import dev.celadon.reconciler.apply.Applier;
import dev.celadon.reconciler.plan.Action;
import dev.celadon.reconciler.plan.Desired;
import dev.celadon.reconciler.plan.LedgerEntry;
import dev.celadon.reconciler.plan.Observed;
import dev.celadon.reconciler.plan.Plan;
import dev.celadon.reconciler.plan.PlanContext;
import dev.celadon.reconciler.plan.Planner;
import dev.celadon.reconciler.spec.Partition;
import dev.celadon.reconciler.spec.SpecSet;
import dev.celadon.reconciler.status.StatusStore;
import org.jboss.logging.Logger;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
 * corrected. Three kinds of thread, so that nothing slow holds up the rest:
 * <ol>
 *   <li>the sync thread fetches Git every poll interval and parses a new revision once, and starts the
 *       guest probes every {@link #PROBE_INTERVAL};</li>
 *   <li>the loop thread owns all loop state: it plans, dispatches and publishes status;</li>
 *   <li>applies and guest probes run on virtual threads, at most one apply per partition.</li>
 * </ol>
 * Closing the loop never stops a worker: partitions outlive the reconciler.
 */
public final class ReconcileLoop implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ReconcileLoop.class);
    /** How often a running guest's agent is asked for a heartbeat. */
    static final Duration PROBE_INTERVAL = Duration.ofSeconds(5);

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
    private final ExecutorService workers = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("celadon-apply-", 0).factory());

    /** Written by the sync thread, read by the loop thread. */
    private final AtomicReference<SourceState> sourceState;

    // Loop-thread state.
    private final Map<PartitionName, InFlight> inFlight = new HashMap<>();
    private final Map<PartitionName, ApplyFailure> failures = new HashMap<>();
    private final StatusBuilder statusBuilder;
    private final GuestProber prober;

    private record InFlight(Action action, CompletableFuture<Void> done) {
    }

    public ReconcileLoop(LoopSettings settings, RevisionSource source, Function<Path, SpecSet> loadSpecs,
                         Hypervisor hypervisor, Ledger ledger, StatusStore store, LoopListener listener, Clock clock) {
        this.settings = settings;
        this.source = source;
        this.loadSpecs = loadSpecs;
        this.hypervisor = hypervisor;
        this.applier = new Applier(hypervisor);
        this.ledger = ledger;
        this.store = store;
        this.listener = listener;
        this.clock = clock;
        this.sourceState = new AtomicReference<>(SourceState.initial(settings));
        this.statusBuilder = new StatusBuilder(settings, hypervisor.accel().qemuName());
        this.prober = new GuestProber(hypervisor, workers);
    }

    /** Starts syncing and reconciling in the background. */
    public void start() {
        syncThread.scheduleWithFixedDelay(this::syncOnce, 0, settings.pollInterval().toMillis(), TimeUnit.MILLISECONDS);
        loopThread.scheduleWithFixedDelay(this::tickSafely, 0, settings.tick().toMillis(), TimeUnit.MILLISECONDS);
        syncThread.scheduleWithFixedDelay(prober::probeAll, PROBE_INTERVAL.toMillis(), PROBE_INTERVAL.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /** Fetches Git once and, for a new revision, parses it. Runs on the sync thread (or a test's). */
    public void syncOnce() {
        Instant now = clock.instant();
        SourceState before = sourceState.get();
        try {
            RevisionSource.Fetched fetched = source.fetch();
            if (fetched.revision().equals(before.fetchedRevision())) {
                sourceState.set(before.fetchedAgain(now));
                listener.synced("unchanged");
            } else {
                SpecSet specs = loadSpecs.apply(fetched.specDir());
                sourceState.set(before.withRevision(fetched.revision(), specs, now));
                listener.synced(specs.isValid() ? "ok" : "invalid");
                if (!specs.isValid()) {
                    LOG.warnf("revision %s rejected, %s stays in force: %s", fetched.revision(),
                            before.desired().revision(), specs.errors());
                }
                wake();
            }
        } catch (Exception e) {
            SourceState failed = before.failed(e.getMessage(), now);
            sourceState.set(before.desired().revision() == null ? fromLastCheckout(failed) : failed);
            listener.synced("error");
            LOG.warnf("sync failed, keeping revision %s: %s", sourceState.get().desired().revision(), e.getMessage());
        }
        store.markSynced();
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
            wake();
            return failed.followingLastCheckout(disk.get().revision(), specs);
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
        } catch (RuntimeException e) {
            // The loop must outlive any one bad pass; the next tick observes afresh.
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
        Plan plan = Planner.plan(src.desired(), new Observed(workersNow, ledger.entries()), context(started));
        recordSpecsInForce(src.desired(), plan, workersNow);
        for (Action action : plan.actions()) {
            dispatch(action, src.desired().revision(), started);
        }
        Map<PartitionName, Incident> incidents = hypervisor.incidents().stream()
                .collect(Collectors.toMap(Incident::partition, i -> i));
        store.publish(statusBuilder.build(src, plan, workersNow, inFlightActions(), failures, ledger.entries(), incidents,
                store.document(), started));
        listener.reconciled(Duration.between(started, clock.instant()));
        return plan;
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
        String reason = failure.getClass().getSimpleName().replace("Exception", "");
        ApplyFailure next = ApplyFailure.next(failures.get(name), retry, reason, failure.getMessage(), revision, now);
        failures.put(name, next);
        LOG.warnf("%s failed (%s, attempt %d): %s", flight.action().describe(), retry, next.attempts(),
                failure.getMessage());
    }

    private static Throwable unwrap(Throwable t) {
        return t instanceof java.util.concurrent.CompletionException && t.getCause() != null ? t.getCause() : t;
    }

    private void dispatch(Action action, String revision, Instant now) {
        if (action.describe() == null || action instanceof Action.Wait || inFlight.containsKey(action.name())) {
            return;
        }
        ApplyFailure failure = failures.get(action.name());
        if (failure != null && !failure.allowsRetry(now, revision)) {
            return;
        }
        LOG.infof("%s: %s", action.name(), action.describe());
        CompletableFuture<Void> done = CompletableFuture.runAsync(() -> {
            try {
                applier.apply(action);
            } catch (HypervisorException e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        }, workers);
        done.whenComplete((ok, error) -> wake());
        inFlight.put(action.name(), new InFlight(action, done));
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
                        : previous.withSpec(desired.revision(), partition.protectedFromDeletion(),
                        partition.deletionPolicy(), partition.vm().shutdownGracePeriod());
                ledger.put(partition.name(), entry);
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
        loopThread.shutdownNow();
        workers.shutdownNow();
    }
}
