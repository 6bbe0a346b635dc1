package dev.celadon.reconciler.status;

import io.quarkus.runtime.annotations.RegisterForReflection;

import java.time.Instant;
import java.util.List;

/**
 * What the guest's integration services last reported; fields are null until the agent answers.
 *
 * @param heartbeatAt when the agent last answered: when the other fields were last seen
 * @param current     whether they hold now: the worker runs and the heartbeat is fresh. False for a stopped
 *                    partition (its guest as last seen) and for a guest that stopped answering
 */
@RegisterForReflection
public record GuestView(Instant heartbeatAt, String os, String hostname, List<String> addresses, boolean current) {

    public static final GuestView UNKNOWN = new GuestView(null, null, null, List.of(), false);

    public GuestView {
        addresses = List.copyOf(addresses);
    }
}
