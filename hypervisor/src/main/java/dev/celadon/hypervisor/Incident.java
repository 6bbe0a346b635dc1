package dev.celadon.hypervisor;

import java.time.Instant;
import java.util.Objects;

/**
 * Something supervision found wrong with a partition's files or processes, and what it did about it:
 * the status shows it on that partition, the log says it once.
 *
 * @param reason  a stable value for status conditions and alerts
 * @param message for people: what was found, what was done, where the evidence went
 */
public record Incident(PartitionName partition, Reason reason, String message, Instant at) {

    public enum Reason {
        /** The worker record could not be read: it was moved aside, and the partition's worker, if any, found by its marker. */
        RECORD_QUARANTINED,
        /** A worker of ours ran without a usable record (its launcher died before writing it, or the record was lost): stopped. */
        ORPHAN_STOPPED,
        /** A worker whose launcher died between spawning it and recording its pid: found by its marker and adopted. */
        ORPHAN_ADOPTED
    }

    public Incident {
        Objects.requireNonNull(partition, "partition");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(at, "at");
    }
}
