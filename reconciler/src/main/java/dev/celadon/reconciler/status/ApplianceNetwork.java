package dev.celadon.reconciler.status;

import io.quarkus.runtime.annotations.RegisterForReflection;

import java.util.List;

/**
 * The appliance's own network as the kernel has it now (DESIGN.md §4 "The appliance's network"): its
 * bridges, what uplinks them, and its addresses. Observed, not configured: the appliance's network script
 * applies {@code celadon.network.*} at boot, and says a bad setting on the console.
 *
 * @param addressing how the appliance gets its address, as configured: {@code dhcp} or {@code static}
 * @param bridges    {@code celadon0} first, then the declared ones
 */
@RegisterForReflection
public record ApplianceNetwork(String addressing, List<Bridge> bridges) {

    /** The bridge the appliance makes at boot, whose address is the appliance's own. */
    public static final String MAIN_BRIDGE = "celadon0";
    public static final ApplianceNetwork UNKNOWN = new ApplianceNetwork("", List.of());

    public ApplianceNetwork {
        bridges = List.copyOf(bridges);
    }

    /**
     * One bridge partitions' NICs may attach to.
     *
     * @param present       the bridge exists in the kernel (false on a host that is not the appliance)
     * @param vlanFiltering VLAN-aware: a NIC's {@code vlan} works on it
     * @param uplink        its port that is not a partition's tap (the machine's NIC), or null: partitions on it
     *                      reach each other only
     * @param addresses     the appliance's own addresses on it, CIDR, IPv4 first
     */
    @RegisterForReflection
    public record Bridge(String name, boolean present, boolean vlanFiltering, String uplink, List<String> addresses) {
        public Bridge {
            addresses = List.copyOf(addresses);
        }
    }
}
