package dev.celadon.reconciler.loop;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.celadon.hypervisor.PartitionName;
import dev.celadon.reconciler.plan.LedgerEntry;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * The reconciler's memory of what it applied, one {@link LedgerEntry} per partition, in one JSON file
 * in the state dir. Written whole to a temporary file, flushed to the disk and renamed into place, so a
 * crash or a power cut leaves the old or the new file, never half of one. Only the loop thread uses it.
 * The mapper is asked for only when there is JSON to read or write: on a first start there is none, and
 * making Jackson's mapper cost about 15 ms of the start.
 *
 * <p>The ledger is never fatal: the appliance has no shell to repair it from. A file that cannot be
 * read whole (empty, cut short, not JSON, not a ledger, unreadable) is moved aside for a human, the
 * entries still whole in it are kept, and the loop re-creates the others from the spec in force for
 * every partition that has a worker. What such a rebuild loses is the restart counts (and crash
 * backoff) of the entries that were not whole, and the deletion settings of a partition that left Git
 * while its entry was lost. A file that cannot be written leaves the ledger right in memory for this
 * run. {@link #problem()} says either, for status.
 */
public final class Ledger {

    private static final Logger LOG = Logger.getLogger(Ledger.class);

    /** The condition type status reports for a ledger rebuilt at start. */
    public static final String RECOVERED = "LedgerRecovered";
    /** The condition type status reports while the ledger cannot be written. */
    public static final String UNWRITABLE = "LedgerUnwritable";

    /**
     * Something status should say about the ledger, shaped as a condition of every partition (their
     * restart counts and deletion settings come from it).
     *
     * @param type    {@link #RECOVERED} or {@link #UNWRITABLE}
     * @param reason  why, in one word: {@code Empty}, {@code Truncated}, {@code NotJson}, {@code WrongShape},
     *                {@code Unreadable}, or {@code WriteFailed}
     * @param message what happened and what it costs, for people
     */
    public record Problem(String type, String reason, String message, Instant since) {
    }

    private final Path file;
    private final Supplier<ObjectMapper> mapper;
    private final Map<PartitionName, LedgerEntry> entries = new TreeMap<>();
    private Problem rebuilt;
    private Problem writeFailure;

    public Ledger(Path file, Supplier<ObjectMapper> mapper) {
        this.file = file;
        this.mapper = new Supplier<>() {
            private ObjectMapper withTrials;

            @Override
            public ObjectMapper get() {
                if (withTrials == null) {
                    withTrials = TrialJson.ledgerMapper(mapper.get());
                }
                return withTrials;
            }
        };
        load();
    }

    public Map<PartitionName, LedgerEntry> entries() {
        return Map.copyOf(entries);
    }

    public LedgerEntry get(PartitionName name) {
        return entries.get(name);
    }

    /** Records an entry; writes the file only when something changed. */
    public void put(PartitionName name, LedgerEntry entry) {
        if (!entry.equals(entries.put(name, entry))) {
            save();
        }
    }

    public void remove(PartitionName name) {
        if (entries.remove(name) != null) {
            save();
        }
    }

    /**
     * What status should say about the ledger, if anything: that it cannot be written now, or else that
     * it was rebuilt when this reconciler started. Empty while all is well.
     */
    public Optional<Problem> problem() {
        return Optional.ofNullable(writeFailure != null ? writeFailure : rebuilt);
    }

    private void load() {
        Path temporary = temporaryFile();
        try {
            // Left by a crash before its rename: the ledger beside it is the last whole one.
            Files.deleteIfExists(temporary);
        } catch (IOException e) {
            LOG.debugf("cannot remove %s (the next write replaces it): %s", temporary, e.getMessage());
        }
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Contents contents;
        try {
            contents = Contents.parse(Files.readAllBytes(file), mapper.get());
        } catch (IOException e) {
            contents = new Contents(Map.of(), "Unreadable", "cannot be read (" + e.getMessage() + ")");
        }
        entries.putAll(contents.whole());
        if (contents.damage() != null) {
            rebuild(contents);
        }
    }

    /** Moves the damaged file aside, keeps what was whole in it, and says what was lost. */
    private void rebuild(Contents contents) {
        Instant now = Instant.now();
        Path aside = file.resolveSibling(file.getFileName() + ".unreadable-" + now.toEpochMilli());
        String kept;
        try {
            Files.move(file, aside);
            kept = "was moved aside to " + aside.getFileName();
        } catch (IOException e) {
            kept = "could not be moved aside (" + e.getMessage() + ")";
        }
        String message = "the ledger " + file + " " + contents.damage() + ": it " + kept + "; "
                + (entries.isEmpty() ? "no entry in it was whole" : "its whole entries are kept (" + String.join(", ",
                entries.keySet().stream().map(PartitionName::value).toList()) + ")")
                + "; the others are re-created for the partitions that run, with restart counts from 0,"
                + " and a partition that left Git meanwhile is deleted as if unprotected, its disks kept";
        LOG.warn(message);
        rebuilt = new Problem(RECOVERED, contents.reason(), message, now);
        save();
    }

    private void save() {
        Map<String, LedgerEntry> stored = new TreeMap<>();
        entries.forEach((name, entry) -> stored.put(name.value(), entry));
        try {
            Files.createDirectories(file.getParent());
            Path temporary = temporaryFile();
            writeDurably(temporary, mapper.get().writeValueAsBytes(stored));
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            // The rename itself reaches the disk only with its folder.
            try (FileChannel folder = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
                folder.force(true);
            }
            if (writeFailure != null) {
                LOG.infof("the ledger %s is written again", file);
                writeFailure = null;
            }
        } catch (IOException e) {
            if (writeFailure == null) {
                LOG.warnf("cannot write the ledger %s: %s; it is kept in memory until a write succeeds", file,
                        e.getMessage());
                writeFailure = new Problem(UNWRITABLE, "WriteFailed", "cannot write the ledger " + file + ": "
                        + e.getMessage() + "; a restart of the reconciler now would forget the changes since",
                        Instant.now());
            }
        }
    }

    private static void writeDurably(Path target, byte[] bytes) throws IOException {
        try (FileChannel channel = FileChannel.open(target, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(true);
        }
    }

    private Path temporaryFile() {
        return file.resolveSibling(file.getFileName() + ".tmp");
    }

    /**
     * What a ledger file holds: every entry that is whole, read one by one so that a file cut short or
     * with one bad entry still gives back the others.
     *
     * @param damage what is wrong with the file, for a message ("is empty"); null when nothing is
     * @param reason the same in one word, for status
     */
    record Contents(Map<PartitionName, LedgerEntry> whole, String reason, String damage) {

        static Contents parse(byte[] bytes, ObjectMapper mapper) throws IOException {
            Map<PartitionName, LedgerEntry> whole = new TreeMap<>();
            List<String> bad = new ArrayList<>();
            try (JsonParser parser = mapper.createParser(bytes)) {
                JsonToken first = parser.nextToken();
                if (first == null) {
                    return new Contents(whole, "Empty", "is empty");
                }
                if (first != JsonToken.START_OBJECT) {
                    return new Contents(whole, "WrongShape", "is JSON but not an object of entries");
                }
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String name = parser.currentName();
                    parser.nextToken();
                    JsonNode value = parser.readValueAsTree();
                    entry(name, value, mapper).ifPresentOrElse(entry -> whole.put(entry.getKey(), entry.getValue()),
                            () -> bad.add(name));
                }
                if (parser.nextToken() != null) {
                    return new Contents(whole, "NotJson", "has more after its end");
                }
            } catch (JsonEOFException e) {
                return new Contents(whole, "Truncated", "is cut short");
            } catch (JsonProcessingException e) {
                return new Contents(whole, "NotJson", "is not JSON (" + e.getOriginalMessage() + ")");
            }
            return bad.isEmpty() ? new Contents(whole, null, null)
                    : new Contents(whole, "WrongShape", "has entries that are not ledger entries: " + String.join(", ", bad));
        }

        /** An entry the planner can rely on: a partition name, and every field it reads present. */
        private static Optional<Map.Entry<PartitionName, LedgerEntry>> entry(String name, JsonNode value,
                                                                            ObjectMapper mapper) {
            try {
                PartitionName partition = new PartitionName(name);
                LedgerEntry entry = mapper.treeToValue(value, LedgerEntry.class);
                boolean whole = entry != null && entry.deletionPolicy() != null && entry.shutdownGracePeriod() != null
                        && entry.restarts() >= 0 && entry.consecutiveFailures() >= 0;
                return whole ? Optional.of(Map.entry(partition, entry)) : Optional.empty();
            } catch (IllegalArgumentException | JsonProcessingException e) {
                return Optional.empty();
            }
        }
    }
}
