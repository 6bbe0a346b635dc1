package dev.celadon.hypervisor;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** What the guest agent last told us. Empty until the agent first answers. */
public record GuestInfo(Optional<Instant> heartbeatAt, Optional<String> os, Optional<String> hostname,
                        List<String> addresses) {

    public static final GuestInfo UNKNOWN = new GuestInfo(Optional.empty(), Optional.empty(), Optional.empty(), List.of());

    public GuestInfo {
        addresses = List.copyOf(addresses);
    }
}
