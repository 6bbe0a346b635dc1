package dev.celadon.reconciler.spec;

import java.util.List;
import java.util.Map;

/**
 * The result of loading one spec folder: the partitions and the Appliance documents, each sorted by name,
 * and every error found. A set with any error is not applied at all.
 */
public record SpecSet(List<Partition> partitions, List<ApplianceSpec> appliances, List<SpecError> errors) {

    public SpecSet {
        partitions = List.copyOf(partitions);
        appliances = List.copyOf(appliances);
        errors = List.copyOf(errors);
    }

    public boolean isValid() {
        return errors.isEmpty();
    }

    /** The Appliance document that applies to the appliance of this name and these labels ({@link ApplianceSpec#appliesTo}). */
    public ApplianceSelection applianceFor(String applianceName, Map<String, String> applianceLabels) {
        return ApplianceSelection.among(appliances, applianceName, applianceLabels);
    }
}
