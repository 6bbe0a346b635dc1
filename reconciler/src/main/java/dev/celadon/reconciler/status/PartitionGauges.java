package dev.celadon.reconciler.status;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import jakarta.inject.Singleton;

/**
 * {@code celadon_partitions{phase="..."}}: how many partitions are in each phase, read from the current
 * status document at scrape time, so the metric and {@code /status} never disagree. Every phase is
 * registered, zeros included, so a query for {@code phase="Failed"} has a series from the start.
 */
@Startup
@Singleton
public class PartitionGauges {

    public PartitionGauges(MeterRegistry registry, StatusStore store) {
        for (Phase phase : Phase.values()) {
            Gauge.builder("celadon.partitions", store, current -> count(current.document(), phase))
                    .description("Partitions on this appliance by phase")
                    .tag("phase", phase.name())
                    .strongReference(true)
                    .register(registry);
        }
    }

    private static double count(StatusDocument document, Phase phase) {
        return document.partitions().stream().filter(partition -> partition.phase() == phase).count();
    }
}
