package dev.celadon.reconciler.status;

import dev.celadon.reconciler.upgrade.UpgradeStatus;
import io.quarkus.runtime.annotations.RegisterForReflection;

import java.util.Map;

/**
 * Who answers: the appliance's name and labels (for placement), its version and the slot it booted from
 * ({@code A} or {@code B}; null off the appliance), the upgrade to another version an Appliance document asks
 * for (null when none), the accelerator, its network.
 */
@RegisterForReflection
public record ApplianceInfo(String name, String version, String slot, UpgradeStatus upgrade, String accel,
                            Map<String, String> labels,
                            ApplianceNetwork network) {
    public ApplianceInfo {
        labels = Map.copyOf(labels);
    }
}
