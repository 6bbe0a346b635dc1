package dev.celadon.hypervisor.qemu.agent;

import java.util.List;

/** One network interface in the guest, as guest-network-get-interfaces reports it. */
public record GuestInterface(String name, String hardwareAddress, List<String> addresses) {
    public GuestInterface {
        addresses = List.copyOf(addresses);
    }
}
