package dev.celadon.reconciler.spec;

import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * {@code spec.readiness}: what must hold for the partition to be Ready, every entry at once (DESIGN.md §4).
 *
 * @param heartbeat the guest agent answers heartbeats
 * @param tcpPort   a program in the guest answers TCP connections on this guest port
 * @param exec      a command (program and arguments) run by the guest agent exits 0; empty for none
 */
public record ReadinessSpec(boolean heartbeat, OptionalInt tcpPort, List<String> exec) {

    /** Nothing to check: Ready as soon as the worker runs. */
    public static final ReadinessSpec RUNNING = new ReadinessSpec(false, OptionalInt.empty(), List.of());
    /** The default where the guest agent is asked for heartbeats. */
    public static final ReadinessSpec HEARTBEAT = new ReadinessSpec(true, OptionalInt.empty(), List.of());

    public ReadinessSpec {
        Objects.requireNonNull(tcpPort, "tcpPort");
        exec = List.copyOf(exec);
    }

    /** Whether the checks need the guest (tcp, exec): the loop runs those with the heartbeat probes. */
    public boolean probesGuest() {
        return tcpPort.isPresent() || !exec.isEmpty();
    }
}
