package dev.celadon.hypervisor.qemu.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;

/** An asynchronous QMP event, e.g. {@code {"event": "SHUTDOWN", "data": {"guest": true}, "timestamp": ...}}. */
public record QmpEvent(String name, JsonNode data, Instant timestamp) {

    /** The events the worker supervision acts on; everything else is {@link #OTHER}. */
    public enum Kind {
        SHUTDOWN, POWERDOWN, RESET, STOP, RESUME, GUEST_PANICKED, BALLOON_CHANGE, OTHER;

        static Kind of(String name) {
            for (Kind kind : values()) {
                if (kind.name().equals(name.toUpperCase(Locale.ROOT))) {
                    return kind;
                }
            }
            return OTHER;
        }
    }

    public QmpEvent {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(timestamp, "timestamp");
    }

    public Kind kind() {
        return Kind.of(name);
    }
}
