package dev.celadon.reconciler.status;

import io.quarkus.runtime.annotations.RegisterForReflection;

import java.util.List;

/**
 * One NIC of a partition's worker: what the host made of it and what the guest agent reports on it.
 *
 * @param tap       the host's tap device; null for user-mode networking
 * @param bridge    the host bridge the tap is a port of; null for user-mode networking
 * @param vlan      the VLAN the tap is an untagged port of; null when untagged on the bridge's default
 * @param model     the emulated card: {@code virtio}, {@code e1000} or {@code rtl8139}
 * @param addresses what the guest agent last reported on the interface with this MAC (CIDR); empty until it does
 */
@RegisterForReflection
public record NetworkView(String name, String mac, String tap, String bridge, Integer vlan, String model,
                          List<String> addresses) {

    public NetworkView {
        addresses = List.copyOf(addresses);
    }
}
