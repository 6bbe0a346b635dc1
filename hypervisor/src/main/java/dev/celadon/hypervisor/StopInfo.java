package dev.celadon.hypervisor;

import java.time.Instant;
import java.util.Objects;

/** The last stop of a worker: why, when, and what was seen (exit code, signal, QMP event). */
public record StopInfo(StopReason reason, Instant at, String detail) {
    public StopInfo {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(at, "at");
        detail = detail == null ? "" : detail;
    }
}
