package dev.celadon.reconciler.plan;

import dev.celadon.hypervisor.GuestProfile;
import dev.celadon.hypervisor.HostResources;

import java.time.Instant;
import java.util.Map;

/** The appliance the plan is for: its identity for placement, its capacity for admission, and the time. */
public record PlanContext(String applianceName, Map<String, String> applianceLabels, HostResources host,
                          long reservedMemoryBytes, Instant now) {
    public PlanContext {
        applianceLabels = Map.copyOf(applianceLabels);
    }

    /** Memory partitions may take: the host's, less what the parent partition keeps. */
    long allocatableMemory() {
        return Math.max(0, host.memoryBytes() - reservedMemoryBytes);
    }

    /** Live memory changes need the balloon, which legacy guests do not have. */
    static boolean hasBalloon(GuestProfile profile) {
        return profile != GuestProfile.LEGACY;
    }
}
