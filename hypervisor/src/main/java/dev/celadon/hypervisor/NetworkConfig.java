package dev.celadon.hypervisor;

import java.util.List;
import java.util.Objects;

/** One network interface of a partition. The MAC address is derived from partition and interface name. */
public record NetworkConfig(String name, Attachment attachment) {

    public NetworkConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(attachment, "attachment");
    }

    public sealed interface Attachment {
    }

    /** A tap device on an existing host bridge. */
    public record Bridge(String bridge) implements Attachment {
        public Bridge {
            Objects.requireNonNull(bridge, "bridge");
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
