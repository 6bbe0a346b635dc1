package dev.celadon.reconciler.spec;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The spec loader in a JVM of its own, which {@link ShippedHeapTest} starts with the reconciler's JVM
 * options. Loads each folder given in turn, holding the one before as the reconciler holds the last good
 * revision while it reads the next, and prints a line for each: {@code NAME: P partitions, E errors, K bytes
 * kept, FIRST ERROR (the revision before: P partitions)}. An out-of-memory error ends it with a non-zero status.
 *
 * <p>The bytes kept are the heap in use after the load less before it, so they also count what the JVM keeps for
 * good the first time a path of the loader runs (classes, the locale data of a number format): up to 270 KB.
 * {@link ShippedHeapTest} therefore gives the small revisions first.
 */
final class LoaderProcess {

    /** What the rest of the reconciler keeps: 9 MiB of its heap is live after the first sync (benchmarks/RESULTS.md). */
    private static final byte[] RECONCILER = new byte[9 << 20];

    private LoaderProcess() {
    }

    public static void main(String[] folders) throws IOException {
        SpecSet lastGood = new SpecSet(List.of(), List.of(), List.of());
        for (String folder : folders) {
            long before = heapInUse();
            SpecSet set = SpecLoader.load(Path.of(folder), SpecRules.DEFAULT);
            long kept = heapInUse() - before;
            System.out.printf(Locale.ROOT, "%s: %d partitions, %d errors, %d bytes kept, %s (the revision before: %d partitions)%n",
                    Path.of(folder).getFileName(), set.partitions().size(), set.errors().size(), kept,
                    set.errors().isEmpty() ? "" : set.errors().getFirst(), lastGood.partitions().size());
            lastGood = set;
        }
    }

    /**
     * What is reachable: the heap in use after full collections (the serial collector's System.gc() is one) until
     * one frees nothing more. One is not enough: what a cleaner or a soft reference holds goes in a later one.
     */
    private static long heapInUse() {
        long used = Long.MAX_VALUE;
        while (true) {
            System.gc();
            long now = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            if (now >= used) {
                return now;
            }
            used = now;
        }
    }
}
