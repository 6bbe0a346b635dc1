package dev.celadon.reconciler.status;

import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * What {@code /q/metrics} exports: how long each reconcile pass took ({@code celadon_reconcile_duration_seconds}),
 * how each Git sync ended ({@code celadon_git_sync_total{result=...}}), and how many partitions are in each
 * phase ({@code celadon_partitions{phase=...}}), read from the current status document at scrape time so the
 * metric and {@code /status} never disagree, and how actions on partitions ended
 * ({@code celadon_actions_total{action=...,outcome=...}}, counted as {@link EventHistory} records them), and
 * whether each partition is Ready ({@code celadon_partition_ready{partition=...}}, its {@code Ready} condition).
 * Every series exists, at zero, from the start, so a query for
 * {@code phase="Failed"} has one before anything failed. Names and shapes are those Micrometer wrote before.
 */
@ApplicationScoped
public class ReconcileMetrics {

    /** The fetch succeeded and brought a new, valid revision. */
    public static final String SYNC_OK = "ok";
    /** The fetch succeeded and the revision had not changed. */
    public static final String SYNC_UNCHANGED = "unchanged";
    /** The fetch failed (network, authentication, repository): status is stale. */
    public static final String SYNC_ERROR = "error";
    /** The fetch brought a revision with spec errors: the last good revision stays in force. */
    public static final String SYNC_INVALID = "invalid";
    /** The fetch brought a revision without a valid signature by a trusted key (celadon.git.verify): not applied. */
    public static final String SYNC_REFUSED = "refused";

    private static final List<String> SYNC_RESULTS = List.of(SYNC_OK, SYNC_UNCHANGED, SYNC_ERROR, SYNC_INVALID,
            SYNC_REFUSED);
    private static final String DURATION = "celadon_reconcile_duration_seconds";
    private static final String SYNCS = "celadon_git_sync_total";
    private static final String PARTITIONS = "celadon_partitions";
    private static final String READY = "celadon_partition_ready";

    /** What the loop does to a partition, as events and {@code celadon_actions_total} name it. */
    public static final List<String> ACTIONS = List.of("create", "start", "stop", "restart", "update-memory",
            "grow-disks", "delete");
    private static final String ACTIONS_TOTAL = "celadon_actions_total";
    /** How an action ended, by the event that says so. */
    private static final Map<EventType, String> OUTCOMES = Map.of(EventType.ActionApplied, "applied",
            EventType.ActionFailed, "failed", EventType.ActionRolledBack, "rolled-back");
    private static final List<String> OUTCOME_NAMES = List.of("applied", "failed", "rolled-back");

    private final PassDurations reconcile = new PassDurations(System::nanoTime);
    private final Map<String, LongAdder> syncs = SYNC_RESULTS.stream()
            .collect(Collectors.toUnmodifiableMap(Function.identity(), result -> new LongAdder()));

    /** One counter per action and outcome, all there from the start. */
    private final Map<String, LongAdder> actions = ACTIONS.stream()
            .flatMap(action -> OUTCOME_NAMES.stream().map(outcome -> action + " " + outcome))
            .collect(Collectors.toUnmodifiableMap(Function.identity(), key -> new LongAdder()));

    public void recordReconcile(Duration took) {
        reconcile.record(took);
    }

    /**
     * @param result one of {@link #SYNC_OK}, {@link #SYNC_UNCHANGED}, {@link #SYNC_ERROR}, {@link #SYNC_INVALID},
     *               {@link #SYNC_REFUSED}
     * @throws IllegalArgumentException for any other value: a free-form label would grow series without bound
     */
    public void recordSync(String result) {
        LongAdder counter = syncs.get(result);
        if (counter == null) {
            throw new IllegalArgumentException("unknown sync result '" + result + "', expected one of " + SYNC_RESULTS);
        }
        counter.increment();
    }

    /**
     * Counts an action's outcome ({@code ActionApplied}, {@code ActionFailed}, {@code ActionRolledBack}); other
     * events are not counted here.
     *
     * @throws IllegalArgumentException for an action not in {@link #ACTIONS}: a free-form label would grow series
     */
    void recordEvent(Event event) {
        String outcome = OUTCOMES.get(event.type());
        if (outcome == null) {
            return;
        }
        LongAdder counter = actions.get(event.action() + " " + outcome);
        if (counter == null) {
            throw new IllegalArgumentException("unknown action '" + event.action() + "', expected one of " + ACTIONS);
        }
        counter.increment();
    }

    /** The scrape: every series, partitions counted in {@code current}. */
    byte[] exposition(StatusDocument current) {
        PrometheusText text = new PrometheusText();
        PassDurations.Totals passes = reconcile.totals();
        text.family(DURATION, "summary", "Time one reconcile pass took: plan and apply over all partitions")
                .sample(DURATION + "_count", passes.count())
                .sample(DURATION + "_sum", passes.sumSeconds());
        text.family(DURATION + "_max", "gauge", "The longest reconcile pass of the last one to two minutes")
                .sample(DURATION + "_max", passes.recentMaxSeconds());
        text.family(SYNCS, "counter", "Git syncs by how they ended");
        SYNC_RESULTS.forEach(result -> text.sample(SYNCS, "result", result, syncs.get(result).sum()));
        text.family(PARTITIONS, "gauge", "Partitions on this appliance by phase");
        for (Phase phase : Phase.values()) {
            text.sample(PARTITIONS, "phase", phase.name(),
                    current.partitions().stream().filter(partition -> partition.phase() == phase).count());
        }
        text.family(READY, "gauge", "1 while the partition is Ready (its Ready condition, spec.readiness), else 0");
        for (PartitionStatus partition : current.partitions()) {
            text.sample(READY, "partition", partition.name(), partition.conditions().stream()
                    .anyMatch(c -> c.type().equals(Condition.READY) && c.status().equals("True")) ? 1 : 0);
        }
        text.family(ACTIONS_TOTAL, "counter", "Actions on partitions by how they ended (see GET /status/events)");
        for (String action : ACTIONS) {
            for (String outcome : OUTCOME_NAMES) {
                text.sample(ACTIONS_TOTAL, "action", action, "outcome", outcome, actions.get(action + " " + outcome).sum());
            }
        }
        return text.bytes();
    }
}
