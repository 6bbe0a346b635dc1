package dev.celadon.reconciler.status;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.celadon.reconciler.config.CeladonConfig;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The last {@code celadon.events.retained} events (DESIGN.md §5, {@code GET /status/events}): what the loop
 * fetched, refused, planned, applied, failed and rolled back. Kept in memory for readers and, once the
 * reconciler holds its state dir, in its {@link EventFile} too, so the history survives a restart. Every
 * recorded event is counted in {@link ReconcileMetrics} as well, so the counters and the history never disagree.
 * Any thread may record; readers get copies.
 */
@Singleton
public class EventHistory {

    /** The most {@code celadon.events.retained} may be, and the most {@code ?limit} may ask for. */
    public static final int MAX_RETAINED = 10_000;

    private final int retained;
    private final ReconcileMetrics metrics;
    private final ObjectMapper mapper;
    private final ArrayDeque<Event> events = new ArrayDeque<>();
    private EventFile file;
    private long lastId;

    @Inject
    public EventHistory(CeladonConfig config, ReconcileMetrics metrics, ObjectMapper mapper) {
        this(config.events().retained(), metrics, mapper);
    }

    public EventHistory(int retained, ReconcileMetrics metrics, ObjectMapper mapper) {
        if (retained < 1 || retained > MAX_RETAINED) {
            throw new IllegalArgumentException("retained must be from 1 to " + MAX_RETAINED + ": " + retained);
        }
        this.retained = retained;
        this.metrics = metrics;
        this.mapper = mapper;
    }

    /**
     * Keeps the history in {@code path} from now on, and takes up what an earlier run left there. Called once,
     * by the reconciler that holds the state dir, before anything is recorded; without it (the status API's own
     * tests) the history lives in memory only.
     */
    public synchronized void persistIn(Path path) {
        if (file != null) {
            throw new IllegalStateException("the event history is already kept in a file");
        }
        file = new EventFile(path, retained, mapper);
        List<Event> earlier = file.load();
        List<Event> since = List.copyOf(events);
        events.clear();
        events.addAll(earlier);
        lastId = earlier.stream().mapToLong(Event::id).max().orElse(0);
        since.forEach(this::add);
    }

    /** Records an event, numbered and counted; returns it as recorded. */
    public synchronized Event record(Event event) {
        Event numbered = add(event);
        metrics.recordEvent(numbered);
        return numbered;
    }

    private Event add(Event event) {
        Event numbered = event.withId(++lastId);
        events.addLast(numbered);
        if (events.size() > retained) {
            events.removeFirst();
        }
        if (file != null) {
            file.append(numbered, events);
        }
        return numbered;
    }

    /** The newest {@code limit} events (all when fewer are kept), oldest first. */
    public synchronized List<Event> last(int limit) {
        List<Event> all = new ArrayList<>(events);
        return List.copyOf(all.subList(Math.max(0, all.size() - limit), all.size()));
    }

    public int retained() {
        return retained;
    }
}
