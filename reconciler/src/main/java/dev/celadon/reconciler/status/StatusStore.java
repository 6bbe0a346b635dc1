package dev.celadon.reconciler.status;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The one place status lives. The reconcile loop publishes whole documents; readers get the latest
 * one. Each document is serialized at most once, by the first reader that wants it, so serving
 * {@code /status} is a copy of bytes, publishing costs the loop nothing, and readers never see a
 * half-updated state.
 */
@ApplicationScoped
public class StatusStore {

    /** A published document and its JSON, made once on first demand. */
    private final class Snapshot {
        private final StatusDocument document;
        private volatile byte[] json;
        private volatile Map<String, byte[]> partitionJson;

        Snapshot(StatusDocument document) {
            this.document = document;
        }

        byte[] json() {
            byte[] bytes = json;
            if (bytes == null) {
                // Two readers racing here serialize twice and store equal bytes: harmless, and no lock.
                json = bytes = serialize(document);
            }
            return bytes;
        }

        Map<String, byte[]> partitionJson() {
            Map<String, byte[]> map = partitionJson;
            if (map == null) {
                partitionJson = map = document.partitions().stream()
                        .collect(Collectors.toUnmodifiableMap(PartitionStatus::name, StatusStore.this::serialize));
            }
            return map;
        }
    }

    private final ObjectMapper mapper;
    private volatile Snapshot snapshot;
    private volatile boolean synced;
    private volatile Instant lastSync;
    private volatile Instant lastPass;
    private volatile Duration syncStall;
    private volatile Duration passStall;

    public StatusStore(ObjectMapper mapper) {
        this.mapper = contractMapper(mapper);
        publish(new StatusDocument(new ApplianceInfo("", "", null, null, "", Map.of(), ApplianceNetwork.UNKNOWN),
                new SourceStatus("", "", null, null, null, false), List.of(), List.of(), new Summary(0, 0, 0)));
    }

    /** Replaces the whole status; an equal document keeps the JSON already made. */
    public void publish(StatusDocument document) {
        Snapshot current = snapshot;
        if (current == null || !current.document.equals(document)) {
            snapshot = new Snapshot(document);
        }
    }

    public StatusDocument document() {
        return snapshot.document;
    }

    /** The current document as JSON. Callers must not modify the array. */
    public byte[] json() {
        return snapshot.json();
    }

    /** One partition as JSON, if Git declares it or a worker for it exists. Callers must not modify the array. */
    public Optional<byte[]> partitionJson(String name) {
        return Optional.ofNullable(snapshot.partitionJson().get(name));
    }

    /** The body of a 404 for a partition name: whose name was asked for. */
    public byte[] json(PartitionNotFound notFound) {
        return serialize(notFound);
    }

    /** The body of a 400 for a query parameter: which, with what value. */
    public byte[] json(InvalidParameter invalid) {
        return serialize(invalid);
    }

    /** The body of {@code GET /status/events}, made at each request: events come one by one, documents whole. */
    public byte[] json(EventsDocument events) {
        return serialize(events);
    }

    /** A sync with Git completed, good or bad: the sync thread is alive. */
    public void markSynced(Instant at) {
        lastSync = at;
    }

    /**
     * A published document shows a completed sync, good or bad: readiness means "status reflects Git".
     * Marked by whoever published that document, after publishing it, so a reader that saw readiness UP
     * reads the revision or the error in {@code /status}, never the empty document of before.
     */
    public void markReflectsGit() {
        synced = true;
    }

    public boolean synced() {
        return synced;
    }

    /** A reconcile pass completed. */
    public void markPass(Instant at) {
        lastPass = at;
    }

    /**
     * A loop runs and promises a sync at least every {@code syncStall} and a pass at least every
     * {@code passStall}: past either, it has stopped by accident, and readiness says so.
     */
    public void expectLoop(Duration syncStall, Duration passStall, Instant now) {
        this.syncStall = syncStall;
        this.passStall = passStall;
        lastSync = now;
        lastPass = now;
    }

    /** Each readiness check; all must hold. Without a loop (tests of the API), only the first sync counts. */
    public Readiness readiness(Instant now) {
        Duration sync = syncStall;
        Duration pass = passStall;
        return new Readiness(synced, sync == null || !now.isAfter(lastSync.plus(sync)),
                pass == null || !now.isAfter(lastPass.plus(pass)));
    }

    /**
     * @param firstSync   status reflects Git: a first sync completed, good or bad
     * @param syncing     syncs keep completing
     * @param reconciling reconcile passes keep completing
     */
    public record Readiness(boolean firstSync, boolean syncing, boolean reconciling) {
        public boolean ready() {
            return firstSync && syncing && reconciling;
        }
    }

    /**
     * The contract (DESIGN.md §5) fixes the JSON shape whatever the application's global Jackson settings:
     * every field is always present (null written as null) and instants are ISO-8601 strings. A copy keeps
     * the registered java.time module (JavaTimeJson) without changing the application's mapper, which the
     * ledger uses.
     */
    private static ObjectMapper contractMapper(ObjectMapper applicationMapper) {
        ObjectMapper mapper = applicationMapper.copy();
        mapper.setDefaultPropertyInclusion(JsonInclude.Include.ALWAYS);
        mapper.disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
        return mapper;
    }

    private byte[] serialize(Object value) {
        try {
            return mapper.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("status is not serializable: " + e.getMessage(), e);
        }
    }
}
