package dev.celadon.reconciler.loop;

import dev.celadon.reconciler.status.ApplianceNetwork;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InterfaceAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Reads the appliance's bridges as the kernel has them: from sysfs whether each exists and filters VLANs,
 * which port uplinks it (the one that is no tap: a partition's NIC), and the appliance's addresses on it.
 * Loop thread only; it reads at most every {@link #INTERVAL}, since links and leases change in seconds, not
 * per pass.
 */
final class NetworkObserver {

    static final Duration INTERVAL = Duration.ofSeconds(5);
    static final Path SYS_CLASS_NET = Path.of("/sys/class/net");

    private final Path sysClassNet;
    private final List<String> bridges;
    private final String addressing;
    private final Function<String, List<String>> addressesOf;
    private ApplianceNetwork last;
    private Instant readAt = Instant.MIN;

    /**
     * @param declared    the bridges {@code celadon.network.bridges.*} declares besides {@link ApplianceNetwork#MAIN_BRIDGE}
     * @param addressing  {@code dhcp} or {@code static}, as configured
     * @param addressesOf an interface's addresses as CIDR, IPv4 first
     */
    NetworkObserver(Path sysClassNet, List<String> declared, String addressing, Function<String, List<String>> addressesOf) {
        this.sysClassNet = sysClassNet;
        List<String> names = new ArrayList<>(List.of(ApplianceNetwork.MAIN_BRIDGE));
        declared.stream().sorted().filter(name -> !name.equals(ApplianceNetwork.MAIN_BRIDGE)).forEach(names::add);
        this.bridges = List.copyOf(names);
        this.addressing = addressing;
        this.addressesOf = addressesOf;
    }

    static NetworkObserver ofHost(LoopSettings settings) {
        return new NetworkObserver(SYS_CLASS_NET, settings.bridges(), settings.addressing(), NetworkObserver::addresses);
    }

    ApplianceNetwork observe(Instant now) {
        if (last == null || !now.isBefore(readAt.plus(INTERVAL))) {
            last = new ApplianceNetwork(addressing, bridges.stream().map(this::bridge).toList());
            readAt = now;
        }
        return last;
    }

    private ApplianceNetwork.Bridge bridge(String name) {
        Path dir = sysClassNet.resolve(name);
        if (!Files.isDirectory(dir.resolve("bridge"))) {
            return new ApplianceNetwork.Bridge(name, false, false, null, List.of());
        }
        boolean vlanFiltering = "1".equals(read(dir.resolve("bridge/vlan_filtering")));
        return new ApplianceNetwork.Bridge(name, true, vlanFiltering, uplink(dir.resolve("brif")), addressesOf.apply(name));
    }

    /** The first port, by name, that is no tap: taps are the partitions' NICs. */
    private String uplink(Path ports) {
        try (Stream<Path> entries = Files.list(ports)) {
            return entries.map(port -> port.getFileName().toString()).sorted()
                    .filter(port -> !Files.exists(sysClassNet.resolve(port).resolve("tun_flags")))
                    .findFirst().orElse(null);
        } catch (IOException e) {
            return null;
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file).strip();
        } catch (IOException e) {
            return "";
        }
    }

    /** The interface's addresses, IPv4 first; IPv6 link-local ones (every interface has one) left out. */
    static List<String> addresses(String name) {
        try {
            NetworkInterface nic = NetworkInterface.getByName(name);
            if (nic == null) {
                return List.of();
            }
            return nic.getInterfaceAddresses().stream()
                    .filter(a -> !a.getAddress().isLinkLocalAddress())
                    .sorted(Comparator.comparing((InterfaceAddress a) -> !(a.getAddress() instanceof Inet4Address)))
                    .map(a -> a.getAddress().getHostAddress().replaceFirst("%.*$", "") + "/" + a.getNetworkPrefixLength())
                    .toList();
        } catch (SocketException e) {
            return List.of();
        }
    }
}
