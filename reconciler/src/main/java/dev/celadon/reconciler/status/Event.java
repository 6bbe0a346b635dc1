package dev.celadon.reconciler.status;

import dev.celadon.reconciler.source.Redaction;
import io.quarkus.runtime.annotations.RegisterForReflection;

import java.time.Duration;
import java.time.Instant;

/**
 * One entry of the history ({@code GET /status/events}, DESIGN.md §5): something the reconciler did or found,
 * when, about which partition and revision, why and how long it took. Free text is bounded, so that a line
 * of the history file ({@link EventFile}) is too, and carries no credentials.
 *
 * @param id             the event's number, increasing, across restarts of the reconciler; 0 until recorded
 * @param action         what was done, for the {@code Action*} types: {@code create}, {@code start}, {@code stop},
 *                       {@code restart}, {@code update-memory}, {@code grow-disks} or {@code delete}; else null
 * @param reason         a stable value in one word ({@code SpecErrors}, {@code HostFileMissing}), or null
 * @param message        what happened, for people, or null
 * @param durationMillis how long it took (a fetch and parse, an apply), or null
 */
@RegisterForReflection
public record Event(long id, Instant at, EventType type, String partition, String revision, String action,
                    String reason, String message, Long durationMillis) {

    /** Longer messages keep their start and end around {@code " ... "}, as spec errors do. */
    static final int MAX_MESSAGE = 1000;
    /** Reasons are one word; partition names, revisions and actions are shorter still. */
    static final int MAX_FIELD = 120;

    public Event {
        partition = shorten(partition, MAX_FIELD);
        revision = shorten(revision, MAX_FIELD);
        action = shorten(action, MAX_FIELD);
        reason = shorten(Redaction.redactText(reason), MAX_FIELD);
        message = shorten(Redaction.redactText(message), MAX_MESSAGE);
    }

    /** A new revision came from Git; {@code took} the fetch and the parse. */
    public static Event revisionFetched(Instant at, String revision, Duration took) {
        return new Event(0, at, EventType.RevisionFetched, null, revision, null, null, null, millis(took));
    }

    /** A revision that is not applied, and why ({@code SpecErrors}, or a signature's reason). */
    public static Event revisionRefused(Instant at, String revision, String reason, String message) {
        return new Event(0, at, EventType.RevisionRefused, null, revision, null, reason, message, null);
    }

    /** A revision whose signature is trusted; {@code message} names the signer's key. */
    public static Event revisionVerified(Instant at, String revision, String message) {
        return new Event(0, at, EventType.RevisionVerified, null, revision, null, null, message, null);
    }

    /**
     * About an action on a partition.
     *
     * @param type one of the {@code Action*} types
     * @param took how long the apply ran, or null for {@link EventType#ActionPlanned}
     */
    public static Event action(EventType type, Instant at, String partition, String revision, String action,
                               String reason, String message, Duration took) {
        if (!type.name().startsWith("Action")) {
            throw new IllegalArgumentException(type + " is not about an action");
        }
        return new Event(0, at, type, partition, revision, action, reason, message, millis(took));
    }

    Event withId(long number) {
        return new Event(number, at, type, partition, revision, action, reason, message, durationMillis);
    }

    /** Whole enough to be shown: what a line read back from the file must have. */
    boolean whole() {
        return id > 0 && at != null && type != null && (durationMillis == null || durationMillis >= 0);
    }

    /** A clock set back while something ran reads as no time, never as a negative one. */
    private static Long millis(Duration took) {
        return took == null ? null : Math.max(0, took.toMillis());
    }

    private static String shorten(String text, int max) {
        if (text == null || text.length() <= max) {
            return text;
        }
        int half = (max - 5) / 2;
        return text.substring(0, half) + " ... " + text.substring(text.length() - half);
    }
}
