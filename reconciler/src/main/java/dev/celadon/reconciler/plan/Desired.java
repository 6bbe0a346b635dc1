package dev.celadon.reconciler.plan;

import dev.celadon.reconciler.spec.ApplianceSelection;
import dev.celadon.reconciler.spec.ApplianceSpec;
import dev.celadon.reconciler.spec.Partition;
import dev.celadon.reconciler.spec.RunState;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** The partitions and Appliance documents of the revision in force: the last good one. */
public record Desired(String revision, List<Partition> partitions, List<ApplianceSpec> appliances) {

    public static final Desired NOTHING = new Desired(null, List.of());

    public Desired {
        partitions = List.copyOf(partitions);
        appliances = List.copyOf(appliances);
    }

    /** A revision of partitions only. */
    public Desired(String revision, List<Partition> partitions) {
        this(revision, partitions, List.of());
    }

    /** The Appliance document that applies to this appliance ({@link ApplianceSpec#appliesTo}). */
    public ApplianceSelection applianceFor(String applianceName, Map<String, String> applianceLabels) {
        return ApplianceSelection.among(appliances, applianceName, applianceLabels);
    }

    /**
     * The same revision with every partition to be stopped: what the appliance does before it reboots into a new
     * version (each stop honours the partition's grace period, as any stop of the planner's).
     */
    public Desired allStopped() {
        return new Desired(revision, partitions.stream().map(p -> p.withRunState(RunState.STOPPED)).toList(), appliances);
    }

    /** The partitions whose placement takes this appliance: the only ones it runs. */
    public Stream<Partition> placedOn(String applianceName, Map<String, String> applianceLabels) {
        return partitions.stream().filter(p -> p.placement().matches(applianceName, applianceLabels));
    }
}
