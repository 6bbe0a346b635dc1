package dev.celadon.hypervisor.qemu;

import dev.celadon.hypervisor.BridgeMissingException;
import dev.celadon.hypervisor.HypervisorException;
import dev.celadon.hypervisor.NetworkConfig;
import dev.celadon.hypervisor.PartitionName;
import dev.celadon.hypervisor.VmConfig;
import dev.celadon.hypervisor.WorkerLaunchException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * A partition's taps: one per NIC on a bridge, made by Celadon itself (QEMU gets it by name, so it needs no
 * bridge helper and its sandbox denies spawning), living exactly as long as the worker: set up before the
 * spawn, removed when the worker's exit is recorded (a stop, a crash, a guest power-off), when a launch fails
 * and when the partition is deleted. A reconciler restart adopts them with their workers: persistent taps
 * outlive this JVM and nothing here runs for a live worker.
 *
 * <p>The name is {@code cd-} and 12 hex characters of SHA-256 over state dir, partition and NIC: stable
 * across restarts and recreations, within the kernel's 15 characters ({@code IFNAMSIZ} - 1) whatever the
 * names, and distinct between two Celadons on one host (tests). Each tap carries an alias saying whose it
 * is: an interface of that name owned by anyone else (another program, or a hash collision) is never
 * touched, and the partition is refused with a message saying so.
 */
final class Taps {

    private static final Logger LOG = Logger.getLogger(Taps.class);
    static final String PREFIX = "cd-";
    /** Linux interface names: at most IFNAMSIZ - 1 characters. */
    static final int MAX_NAME = 15;

    private final Path stateDir;
    private final TapDevices devices;

    Taps(Path stateDir, TapDevices devices) {
        this.stateDir = stateDir.toAbsolutePath().normalize();
        this.devices = devices;
    }

    /** The tap of a partition's NIC on this state dir. */
    static String name(Path stateDir, PartitionName partition, String nic) {
        byte[] hash = Identity.digest("SHA-256", (stateDir.toAbsolutePath().normalize() + "\0" + partition.value() + "\0" + nic)
                .getBytes(StandardCharsets.UTF_8));
        return PREFIX + HexFormat.of().formatHex(hash, 0, (MAX_NAME - PREFIX.length()) / 2);
    }

    String name(PartitionName partition, String nic) {
        return name(stateDir, partition, nic);
    }

    /** The alias that marks a tap as this partition's NIC's. */
    String owner(PartitionName partition, String nic) {
        return "celadon " + partition.value() + "/" + nic + " " + stateDir;
    }

    /**
     * What a launch of {@code config} would meet, changing nothing: each bridge present and a bridge, each tap
     * name free or already this NIC's.
     */
    void check(VmConfig config) throws HypervisorException {
        checkBridges(config, devices);
        Map<String, String> names = new HashMap<>();
        for (int i = 0; i < config.networks().size(); i++) {
            NetworkConfig nic = config.networks().get(i);
            if (!(nic.attachment() instanceof NetworkConfig.Bridge)) {
                continue;
            }
            String field = "networks[" + i + "]";
            String tap = name(config.name(), nic.name());
            String earlier = names.putIfAbsent(tap, nic.name());
            if (earlier != null) {
                throw refused(config.name(), field, "its tap name " + tap + " is also NIC " + earlier + "'s; rename one of them");
            }
            if (devices.kind(tap) != TapDevices.Kind.ABSENT) {
                String owner = owner(config.name(), nic.name());
                Optional<String> alias = devices.alias(tap);
                if (!alias.equals(Optional.of(owner))) {
                    throw refused(config.name(), field, "the host already has an interface " + tap + " that is not this NIC's ("
                            + alias.map(a -> "alias \"" + a + "\"").orElse("no alias") + "); Celadon leaves it alone");
                }
            }
        }
    }

    /** Each bridge the config's NICs name is on the host and is a bridge (also {@code validate --images-dir}'s check). */
    static void checkBridges(VmConfig config, TapDevices devices) throws BridgeMissingException {
        for (int i = 0; i < config.networks().size(); i++) {
            if (config.networks().get(i).attachment() instanceof NetworkConfig.Bridge bridge) {
                String field = "networks[" + i + "].bridge";
                switch (devices.kind(bridge.bridge())) {
                    case ABSENT -> throw new BridgeMissingException(config.name(), field, bridge.bridge(),
                            "there is no bridge " + bridge.bridge() + " on this host");
                    case OTHER -> throw new BridgeMissingException(config.name(), field, bridge.bridge(),
                            bridge.bridge() + " is a network interface of this host but not a bridge");
                    case BRIDGE -> { }
                }
            }
        }
    }

    /** Creates the config's taps, replacing this partition's leftovers (of a worker that is gone). */
    void setUp(VmConfig config, WorkerIdentity owner) throws HypervisorException {
        check(config);
        for (int i = 0; i < config.networks().size(); i++) {
            NetworkConfig nic = config.networks().get(i);
            if (nic.attachment() instanceof NetworkConfig.Bridge bridge) {
                String tap = name(config.name(), nic.name());
                try {
                    devices.delete(tap); // a leftover of ours (check says so): its worker is gone
                    devices.create(tap, owner(config.name(), nic.name()), bridge.bridge(), bridge.vlan(), owner);
                } catch (IOException e) {
                    tearDown(config);
                    throw new WorkerLaunchException(config.name(), "networks[" + i + "]: cannot set up tap " + tap + " on "
                            + bridge.bridge() + ": " + e.getMessage(), "", e);
                }
            }
        }
    }

    /** Removes the config's taps that are this partition's; failures are logged, the next launch or delete retries. */
    void tearDown(VmConfig config) {
        for (NetworkConfig nic : config.networks()) {
            if (nic.attachment() instanceof NetworkConfig.Bridge) {
                String tap = name(config.name(), nic.name());
                if (devices.kind(tap) == TapDevices.Kind.ABSENT
                        || !devices.alias(tap).equals(Optional.of(owner(config.name(), nic.name())))) {
                    continue;
                }
                try {
                    devices.delete(tap);
                } catch (IOException e) {
                    LOG.warnf("%s: cannot remove tap %s: %s", config.name(), tap, e.getMessage());
                }
            }
        }
    }

    /**
     * Removes every tap of this partition, found by its alias whatever its NICs: for a worker whose config is
     * not known (an orphan's) or no longer recorded (a delete). Only when no worker of the partition runs.
     */
    void removeAll(PartitionName partition) {
        String mine = "celadon " + partition.value() + "/";
        String here = " " + stateDir;
        for (String name : devices.names()) {
            if (name.startsWith(PREFIX) && devices.alias(name).filter(a -> a.startsWith(mine) && a.endsWith(here)
                    && a.indexOf(' ', mine.length()) == a.length() - here.length()).isPresent()) {
                try {
                    devices.delete(name);
                } catch (IOException e) {
                    LOG.warnf("%s: cannot remove tap %s: %s", partition, name, e.getMessage());
                }
            }
        }
    }

    private static WorkerLaunchException refused(PartitionName partition, String field, String why) {
        return new WorkerLaunchException(partition, field + ": " + why, "", null);
    }
}
