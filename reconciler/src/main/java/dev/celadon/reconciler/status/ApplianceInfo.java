package dev.celadon.reconciler.status;

import io.quarkus.runtime.annotations.RegisterForReflection;

import java.util.Map;

/** Who answers: the appliance's name and labels (for placement), Celadon's version, the accelerator, its network. */
@RegisterForReflection
public record ApplianceInfo(String name, String version, String accel, Map<String, String> labels,
                            ApplianceNetwork network) {
    public ApplianceInfo {
        labels = Map.copyOf(labels);
    }
}
