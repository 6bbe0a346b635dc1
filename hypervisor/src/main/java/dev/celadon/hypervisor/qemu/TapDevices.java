package dev.celadon.hypervisor.qemu;

import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The host's network interfaces, as far as partitions' taps need them. {@link IpTapDevices} is the real one
 * (sysfs and iproute2); unit tests use an in-memory double that refuses what the kernel refuses.
 */
interface TapDevices {

    /** What an interface name stands for on the host now. */
    enum Kind { ABSENT, BRIDGE, OTHER }

    Kind kind(String iface);

    /** Every interface of the host, by name. */
    List<String> names();

    /** The interface's alias ({@code ip link set ... alias}); empty when it has none or does not exist. */
    Optional<String> alias(String iface);

    /**
     * Creates a persistent tap labelled with {@code alias}, a port of {@code bridge} (with a VLAN: untagged
     * in that VLAN only, its PVID), and up. On failure nothing of it remains.
     */
    void create(String tap, String alias, String bridge, OptionalInt vlan, WorkerIdentity owner) throws IOException;

    /** Removes the interface; an absent one is no error. */
    void delete(String tap) throws IOException;
}
