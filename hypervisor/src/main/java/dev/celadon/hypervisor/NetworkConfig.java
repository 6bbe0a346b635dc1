package dev.celadon.hypervisor;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * One network interface of a partition. The MAC address is derived from partition and interface name.
 *
 * @param model the emulated NIC; empty for the profile's default ({@link #effectiveModel})
 */
public record NetworkConfig(String name, Attachment attachment, Optional<NicModel> model) {

    public NetworkConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(attachment, "attachment");
        Objects.requireNonNull(model, "model");
    }

    /** With the profile's default model. */
    public NetworkConfig(String name, Attachment attachment) {
        this(name, attachment, Optional.empty());
    }

    /** The model the guest sees: the one asked for, else e1000 for legacy guests (drivers everywhere) and virtio-net for the others. */
    public NicModel effectiveModel(GuestProfile profile) {
        return model.orElse(profile == GuestProfile.LEGACY ? NicModel.E1000 : NicModel.VIRTIO);
    }

    public sealed interface Attachment {
    }

    /**
     * A tap device, made by Celadon, on an existing host bridge; with a VLAN, the tap is an untagged
     * port of that VLAN only (its PVID), so the guest sees plain frames of that VLAN.
     */
    public record Bridge(String bridge, OptionalInt vlan) implements Attachment {
        public Bridge {
            Objects.requireNonNull(bridge, "bridge");
            Objects.requireNonNull(vlan, "vlan");
        }

        /** Untagged, on the bridge's default VLAN. */
        public Bridge(String bridge) {
            this(bridge, OptionalInt.empty());
        }
    }

    /**
     * QEMU user-mode networking, restricted: the guest reaches nothing but the forwards,
     * and forwarded host ports listen on 127.0.0.1 only.
     */
    public record User(List<PortForward> forwards) implements Attachment {
        public User {
            forwards = List.copyOf(forwards);
        }
    }

    /** A TCP port on the host's loopback forwarded to a port in the guest. */
    public record PortForward(int hostPort, int guestPort) {
    }
}
