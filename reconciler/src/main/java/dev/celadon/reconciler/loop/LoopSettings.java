package dev.celadon.reconciler.loop;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The loop's fixed inputs.
 *
 * @param tick          how often the loop observes and plans, Git or no Git: drift and crashes are
 *                      seen this soon
 * @param version       the appliance's version: the one it booted, off the appliance Celadon's own
 * @param slot          the slot the appliance booted from ({@code A} or {@code B}); null off the appliance
 * @param sourceUrl     the repository URL as status shows it, credentials removed
 * @param bridges       the bridges {@code celadon.network.bridges.*} declares besides celadon0, for status
 * @param addressing    how the appliance gets its address ({@code dhcp} or {@code static}), for status
 */
public record LoopSettings(String applianceName, Map<String, String> applianceLabels, long reservedMemoryBytes,
                           Duration pollInterval, Duration tick, String version, String slot, String sourceUrl, String branch,
                           List<String> bridges, String addressing) {
    public LoopSettings {
        applianceLabels = Map.copyOf(applianceLabels);
        bridges = List.copyOf(bridges);
    }
}
