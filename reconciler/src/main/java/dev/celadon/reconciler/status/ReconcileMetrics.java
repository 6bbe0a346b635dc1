package dev.celadon.reconciler.status;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * What the reconcile loop reports to {@code /q/metrics}: how long each reconcile pass took
 * ({@code celadon_reconcile_duration_seconds}) and how each Git sync ended
 * ({@code celadon_git_sync_total{result=...}}). Created at startup so every series exists, at zero, before the
 * first pass.
 */
@Startup
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

    private static final List<String> SYNC_RESULTS = List.of(SYNC_OK, SYNC_UNCHANGED, SYNC_ERROR, SYNC_INVALID);

    private final Timer reconcile;
    private final Map<String, Counter> syncs;

    public ReconcileMetrics(MeterRegistry registry) {
        reconcile = Timer.builder("celadon.reconcile.duration")
                .description("Time one reconcile pass took: plan and apply over all partitions")
                .register(registry);
        syncs = SYNC_RESULTS.stream().collect(Collectors.toUnmodifiableMap(Function.identity(),
                result -> Counter.builder("celadon.git.sync")
                        .description("Git syncs by how they ended")
                        .tag("result", result)
                        .register(registry)));
    }

    public void recordReconcile(Duration took) {
        reconcile.record(took);
    }

    /**
     * @param result one of {@link #SYNC_OK}, {@link #SYNC_UNCHANGED}, {@link #SYNC_ERROR}, {@link #SYNC_INVALID}
     * @throws IllegalArgumentException for any other value: a free-form tag would grow series without bound
     */
    public void recordSync(String result) {
        Counter counter = syncs.get(result);
        if (counter == null) {
            throw new IllegalArgumentException("unknown sync result '" + result + "', expected one of " + SYNC_RESULTS);
        }
        counter.increment();
    }
}
