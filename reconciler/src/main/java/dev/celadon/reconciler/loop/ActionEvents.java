package dev.celadon.reconciler.loop;

import dev.celadon.hypervisor.PartitionName;
import dev.celadon.reconciler.plan.Action;
import dev.celadon.reconciler.status.Event;
import dev.celadon.reconciler.status.EventType;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The history's events for the actions the loop dispatches: planned when dispatched, then applied or failed.
 * A failing action is retried for as long as it fails (every second for a busy worker, with backoff else):
 * its retries in the same revision are not planned again, and a failure like the one before (same action and
 * revision, same reason) is not
 * recorded again, so one stuck partition cannot push everything else out of the history; the applied event
 * says after how many attempts. Loop thread only.
 */
final class ActionEvents {

    /** The action a partition is failing at, for which revision, and how. */
    private record Failing(String action, String revision, String reason, int attempts) {
        boolean retries(Action next, String nextRevision) {
            return Objects.equals(action, next.describe()) && Objects.equals(revision, nextRevision);
        }
    }

    private final Map<PartitionName, Failing> failing = new HashMap<>();

    /** The name events and metrics give an action that is dispatched; null for those that are not. */
    static String name(Action action) {
        return switch (action) {
            case Action.Create ignored -> "create";
            case Action.Start ignored -> "start";
            case Action.Stop ignored -> "stop";
            case Action.Restart ignored -> "restart";
            case Action.UpdateMemory ignored -> "update-memory";
            case Action.GrowDisks ignored -> "grow-disks";
            case Action.Delete ignored -> "delete";
            case Action.RefuseChange ignored -> null;
            case Action.RefuseDeletion ignored -> null;
            case Action.Wait ignored -> null;
            case Action.InSync ignored -> null;
        };
    }

    Optional<Event> dispatched(Action action, String revision, Instant at) {
        Failing before = failing.get(action.name());
        if (before != null && before.retries(action, revision)) {
            return Optional.empty();
        }
        return Optional.of(Event.action(EventType.ActionPlanned, at, action.name().value(), revision, name(action),
                null, action.describe(), null));
    }

    Optional<Event> applied(Action action, String revision, Instant at, Duration took) {
        Failing before = failing.remove(action.name());
        String attempts = before != null && before.retries(action, revision)
                ? " (after " + (before.attempts() + 1) + " attempts)" : "";
        return Optional.of(Event.action(EventType.ActionApplied, at, action.name().value(), revision, name(action),
                null, action.describe() + attempts, took));
    }

    Optional<Event> failed(Action action, String revision, Instant at, Duration took, String reason, String message) {
        Failing before = failing.get(action.name());
        boolean retry = before != null && before.retries(action, revision);
        failing.put(action.name(), new Failing(action.describe(), revision, reason, retry ? before.attempts() + 1 : 1));
        boolean again = retry && Objects.equals(before.reason(), reason);
        if (again) {
            return Optional.empty();
        }
        return Optional.of(Event.action(EventType.ActionFailed, at, action.name().value(), revision, name(action),
                reason, message, took));
    }
}
