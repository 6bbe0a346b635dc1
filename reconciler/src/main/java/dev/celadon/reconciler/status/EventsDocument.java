package dev.celadon.reconciler.status;

import io.quarkus.runtime.annotations.RegisterForReflection;

import java.util.List;

/**
 * The whole of {@code GET /status/events}.
 *
 * @param retained how many events the appliance keeps ({@code celadon.events.retained})
 * @param events   the newest of them, as many as asked for, oldest first
 */
@RegisterForReflection
public record EventsDocument(int retained, List<Event> events) {

    public EventsDocument {
        events = List.copyOf(events);
    }
}
