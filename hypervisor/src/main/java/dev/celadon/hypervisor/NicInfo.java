package dev.celadon.hypervisor;

import java.util.Objects;
import java.util.Optional;

/**
 * One NIC of a worker as the hypervisor made it (what the spec says of it is in the config).
 *
 * @param name  the spec's network name
 * @param mac   derived from partition and network name
 * @param tap   the host's tap device, for a NIC on a bridge
 * @param model the emulated card the guest sees
 */
public record NicInfo(String name, String mac, Optional<String> tap, NicModel model) {
    public NicInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(mac, "mac");
        Objects.requireNonNull(tap, "tap");
        Objects.requireNonNull(model, "model");
    }
}
