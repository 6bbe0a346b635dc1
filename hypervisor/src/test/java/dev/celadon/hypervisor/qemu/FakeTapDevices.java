package dev.celadon.hypervisor.qemu;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The host's interfaces in memory, as strict as the kernel: a name is taken once, at most 15 characters, a
 * port's master must be a bridge, VLANs 1-4094. Records what was done, in order.
 */
final class FakeTapDevices implements TapDevices {

    record Tap(String alias, String bridge, OptionalInt vlan) {
    }

    final Set<String> bridges = new HashSet<>();
    final Set<String> others = new HashSet<>();
    final Map<String, Tap> taps = new ConcurrentHashMap<>();
    final Map<String, String> foreignAliases = new ConcurrentHashMap<>();
    final List<String> log = new ArrayList<>();

    @Override
    public Kind kind(String iface) {
        return bridges.contains(iface) ? Kind.BRIDGE : taps.containsKey(iface) || others.contains(iface) ? Kind.OTHER : Kind.ABSENT;
    }

    @Override
    public List<String> names() {
        List<String> names = new ArrayList<>(bridges);
        names.addAll(others);
        names.addAll(taps.keySet());
        return names.stream().sorted().toList();
    }

    @Override
    public Optional<String> alias(String iface) {
        Tap tap = taps.get(iface);
        return tap != null ? Optional.of(tap.alias()) : Optional.ofNullable(foreignAliases.get(iface));
    }

    @Override
    public synchronized void create(String tap, String alias, String bridge, OptionalInt vlan, WorkerIdentity owner)
            throws IOException {
        if (tap.length() > 15) {
            throw new IOException("name too long: " + tap);
        }
        if (kind(tap) != Kind.ABSENT) {
            throw new IOException("ioctl(TUNSETIFF): Device or resource busy");
        }
        if (!bridges.contains(bridge)) {
            throw new IOException("Error: argument \"" + bridge + "\" is wrong: Device does not exist");
        }
        if (vlan.isPresent() && (vlan.getAsInt() < 1 || vlan.getAsInt() > 4094)) {
            throw new IOException("invalid VLAN id " + vlan.getAsInt());
        }
        taps.put(tap, new Tap(alias, bridge, vlan));
        log.add("create " + tap);
    }

    @Override
    public synchronized void delete(String tap) throws IOException {
        if (others.contains(tap) || bridges.contains(tap)) {
            throw new IOException("not a tap of the test: " + tap);
        }
        if (taps.remove(tap) != null) {
            log.add("delete " + tap);
        }
    }
}
