package dev.celadon.reconciler.status;

import io.quarkus.runtime.annotations.RegisterForReflection;

import java.time.Instant;
import java.util.List;

/** What the guest's integration services last reported; fields are null until the agent answers. */
@RegisterForReflection
public record GuestView(Instant heartbeatAt, String os, String hostname, List<String> addresses) {

    public static final GuestView UNKNOWN = new GuestView(null, null, null, List.of());

    public GuestView {
        addresses = List.copyOf(addresses);
    }
}
