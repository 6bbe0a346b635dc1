package dev.celadon.reconciler.loop;

import dev.celadon.hypervisor.DiskConfig;
import dev.celadon.reconciler.images.ImageRequest;
import dev.celadon.reconciler.images.ImageState;
import dev.celadon.reconciler.plan.Action;
import dev.celadon.reconciler.plan.Desired;
import dev.celadon.reconciler.plan.Plan;
import dev.celadon.reconciler.spec.Partition;
import dev.celadon.reconciler.spec.RunState;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Stream;

/** Which images by URL the loop has fetched, and which a start waits for. */
final class ImagesWanted {

    private ImagesWanted() {
    }

    static Stream<DiskConfig.Downloaded> of(Partition partition) {
        return partition.vm().disks().stream().map(DiskConfig::source)
                .filter(DiskConfig.Downloaded.class::isInstance).map(DiskConfig.Downloaded.class::cast);
    }

    /** Checksum → URL of the images of the partitions placed here (the plan has them) that should run. */
    static Map<String, ImageRequest> toFetch(Desired desired, Plan plan) {
        Map<String, ImageRequest> wanted = new LinkedHashMap<>();
        for (Partition partition : desired.partitions()) {
            if (partition.runState() == RunState.RUNNING && plan.forPartition(partition.name()).isPresent()) {
                of(partition).forEach(disk -> wanted.putIfAbsent(disk.sha256(), ImageRequest.disk(disk.url())));
            }
        }
        return wanted;
    }

    /** Every checksum the revision names, on any appliance: none of them is removed from the cache. */
    static Set<String> referenced(Desired desired) {
        Set<String> referenced = new HashSet<>();
        desired.partitions().forEach(partition -> of(partition).forEach(disk -> referenced.add(disk.sha256())));
        return referenced;
    }

    /** A start, create or restart whose images are not all cached yet: it waits, and a running worker keeps running. */
    static boolean awaitsImage(Action action, Predicate<String> ready) {
        Optional<Partition> partition = switch (action) {
            case Action.Create create -> Optional.of(create.partition());
            case Action.Start start -> Optional.of(start.partition());
            case Action.Restart restart -> Optional.of(restart.partition());
            default -> Optional.empty();
        };
        return partition.map(p -> of(p).anyMatch(disk -> !ready.test(disk.sha256()))).orElse(false);
    }

    /** "DONE of TOTAL bytes (P%), RATE": the status page draws its bar from the two numbers. */
    static String progress(ImageState.Downloading d) {
        String rate = mib(d.bytesPerSecond()) + " MiB/s";
        if (d.total() < 0) {
            return d.done() + " of ? bytes, " + rate;
        }
        long percent = d.total() == 0 ? 100 : d.done() * 100 / d.total();
        return d.done() + " of " + d.total() + " bytes (" + percent + "%), " + rate;
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f", bytes / (1024.0 * 1024.0));
    }
}
