package dev.celadon.hypervisor;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * What the guest agent last told us. Empty until the agent first answers.
 *
 * @param addresses  every address of the guest but loopback's
 * @param interfaces the guest's interfaces by hardware address, with their addresses: what matches them to NICs
 */
public record GuestInfo(Optional<Instant> heartbeatAt, Optional<String> os, Optional<String> hostname,
                        List<String> addresses, List<Interface> interfaces) {

    public static final GuestInfo UNKNOWN = new GuestInfo(Optional.empty(), Optional.empty(), Optional.empty(), List.of());

    public GuestInfo {
        addresses = List.copyOf(addresses);
        interfaces = List.copyOf(interfaces);
    }

    /** Without what each interface has. */
    public GuestInfo(Optional<Instant> heartbeatAt, Optional<String> os, Optional<String> hostname, List<String> addresses) {
        this(heartbeatAt, os, hostname, addresses, List.of());
    }

    /** One interface as guest-network-get-interfaces reports it: its {@code hardware-address} and addresses (CIDR). */
    public record Interface(String mac, List<String> addresses) {
        public Interface {
            mac = mac.toLowerCase(Locale.ROOT);
            addresses = List.copyOf(addresses);
        }
    }

    /** The addresses the guest reports on the interface with this MAC (any case); none when it reports none. */
    public List<String> addressesOf(String mac) {
        String wanted = mac.toLowerCase(Locale.ROOT);
        return interfaces.stream().filter(i -> i.mac().equals(wanted)).flatMap(i -> i.addresses().stream()).toList();
    }
}
