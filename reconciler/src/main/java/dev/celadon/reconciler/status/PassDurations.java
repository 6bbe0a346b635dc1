package dev.celadon.reconciler.status;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Reconcile pass durations as a Prometheus summary without quantiles: count, sum, and the longest pass of the
 * last one to two minutes. The maximum since start would say nothing after the first slow pass; a recent one
 * shows a slowdown while it lasts. It is kept per window of {@link #WINDOW}: the current one and the one
 * before, so a scrape right after a window turns over still sees the pass that ended the last.
 */
final class PassDurations {

    static final Duration WINDOW = Duration.ofMinutes(1);
    private static final double NANOS_PER_SECOND = 1e9;

    record Totals(long count, double sumSeconds, double recentMaxSeconds) {
    }

    private final LongSupplier nanoClock;
    private long count;
    private long sumNanos;
    private long windowStart;
    private long currentMax;
    private long previousMax;

    PassDurations(LongSupplier nanoClock) {
        this.nanoClock = nanoClock;
        this.windowStart = nanoClock.getAsLong();
    }

    synchronized void record(Duration took) {
        long nanos = took.toNanos();
        turnWindow();
        count++;
        sumNanos += nanos;
        currentMax = Math.max(currentMax, nanos);
    }

    synchronized Totals totals() {
        turnWindow();
        return new Totals(count, sumNanos / NANOS_PER_SECOND, Math.max(currentMax, previousMax) / NANOS_PER_SECOND);
    }

    private void turnWindow() {
        long now = nanoClock.getAsLong();
        long windows = (now - windowStart) / WINDOW.toNanos();
        if (windows > 0) {
            previousMax = windows == 1 ? currentMax : 0;
            currentMax = 0;
            windowStart += windows * WINDOW.toNanos();
        }
    }
}
