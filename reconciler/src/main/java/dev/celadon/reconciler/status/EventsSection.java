package dev.celadon.reconciler.status;

import java.util.List;

/**
 * The page's "Recent events" section: the newest of {@code GET /status/events} as a table, oldest first like a
 * log, failures marked. Its own class so the page's other sections and this one change apart.
 */
final class EventsSection {

    /** How many events the page shows; {@code /status/events} has all that are kept. */
    static final int SHOWN = 20;

    private EventsSection() {
    }

    static void write(HtmlWriter html, List<Event> events, java.time.Instant now) {
        html.open("section", "id", "events")
                .element("h2", "Recent events")
                .open("p", "class", "muted")
                .text(events.isEmpty() ? "Nothing has happened yet. " : "The last " + events.size() + ", oldest first; all that are kept: ")
                .element("a", "/status/events", "href", "/status/events")
                .close("p");
        if (events.isEmpty()) {
            html.close("section");
            return;
        }
        html.markup("<table><thead><tr><th>When</th><th>Event</th><th>Partition</th><th>Action</th>"
                + "<th>Revision</th><th>Took</th><th>Reason</th></tr></thead>");
        html.open("tbody");
        for (Event event : events) {
            html.open("tr", "class", "event-" + event.type().name(), "data-event", Long.toString(event.id()));
            html.element("td", StatusPage.ago(event.at(), now), "class", "when", "title", StatusPage.time(event.at()));
            html.element("td", event.type().name(), "class", "type");
            html.element("td", StatusPage.orNone(event.partition()), "class", "partition");
            html.element("td", StatusPage.orNone(event.action()), "class", "action");
            html.open("td").element("code", StatusPage.shortRevision(event.revision()), "class", "revision",
                    "title", event.revision()).close("td");
            html.element("td", took(event.durationMillis()), "class", "took");
            html.open("td", "class", "reason");
            if (event.reason() != null) {
                html.element("b", event.reason()).text(event.message() == null ? "" : ": ");
            }
            html.text(event.message() == null && event.reason() == null ? StatusPage.orNone(null) : event.message());
            html.close("td").close("tr");
        }
        html.close("tbody").markup("</table>").close("section");
    }

    /** {@code 840 ms}, {@code 12.3 s}, {@code 4 min}; a dash when nothing was timed. */
    static String took(Long millis) {
        if (millis == null) {
            return StatusPage.orNone(null);
        }
        if (millis < 1000) {
            return millis + " ms";
        }
        if (millis < 60_000) {
            return String.format(java.util.Locale.ROOT, "%.1f s", millis / 1000.0);
        }
        return millis / 60_000 + " min";
    }
}
