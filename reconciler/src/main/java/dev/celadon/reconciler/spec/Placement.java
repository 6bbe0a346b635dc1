package dev.celadon.reconciler.spec;

import java.util.List;
import java.util.Map;

/**
 * Which appliances a partition runs on. Both parts must match where both are given; an empty
 * placement matches every appliance.
 *
 * @param appliances appliance names ({@code celadon.appliance.name}); empty = any name
 * @param selector   labels the appliance must carry ({@code celadon.appliance.labels}); empty = any
 */
public record Placement(List<String> appliances, Map<String, String> selector) {

    public static final Placement EVERYWHERE = new Placement(List.of(), Map.of());

    public Placement {
        appliances = List.copyOf(appliances);
        selector = Map.copyOf(selector);
    }

    public boolean matches(String applianceName, Map<String, String> applianceLabels) {
        boolean nameMatches = appliances.isEmpty() || appliances.contains(applianceName);
        boolean labelsMatch = selector.entrySet().stream()
                .allMatch(e -> e.getValue().equals(applianceLabels.get(e.getKey())));
        return nameMatches && labelsMatch;
    }
}
