package dev.celadon.hypervisor.qemu;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.celadon.hypervisor.PartitionName;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Reads and atomically writes worker records under {@code STATE/workers}; moves unreadable ones aside. */
final class RecordStore {

    /**
     * Made on first use, not with the store: a start with no workers reads no record, and making
     * Jackson's first mapper cost about 15 ms of the reconciler's start.
     */
    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper()
                .enable(SerializationFeature.INDENT_OUTPUT)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    }

    /** A record that exists but cannot be read: truncated, not JSON, or not a record of this partition. */
    static final class Unreadable extends Exception {
        Unreadable(Path file, String problem, Throwable cause) {
            super("unreadable worker record " + file + ": " + problem, cause);
        }
    }

    private final Path stateDir;

    RecordStore(Path stateDir) {
        this.stateDir = stateDir;
    }

    WorkerPaths paths(PartitionName name) {
        return WorkerPaths.of(stateDir, name);
    }

    Optional<WorkerRecord> read(PartitionName name) throws Unreadable {
        Path file = paths(name).record();
        JsonNode tree;
        try {
            tree = Json.MAPPER.readTree(file.toFile());
        } catch (NoSuchFileException | java.io.FileNotFoundException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new Unreadable(file, e.getMessage(), e);
        }
        try {
            if (tree == null || !tree.isObject()) {
                throw new Unreadable(file, "not a JSON object", null);
            }
            WorkerRecord record = Json.MAPPER.treeToValue(tree.path("format").asInt() == 1 ? fromFormat1((ObjectNode) tree) : tree,
                    WorkerRecord.class);
            if (!name.value().equals(record.partition()) || record.phase() == null || record.config() == null
                    || record.startedAt() == null || record.accel() == null || record.runDir() == null) {
                throw new Unreadable(file, "not a complete record of partition " + name, null);
            }
            return Optional.of(record);
        } catch (IOException | RuntimeException e) {
            // Whatever a damaged file makes the parser throw, it is this record that is damaged, not the loop.
            throw new Unreadable(file, e.getMessage(), e);
        }
    }

    /**
     * Format 1 kept flags instead of a phase and its sockets in the worker dir: a worker launched by an
     * earlier version is still adopted (its console, a file then, is not captured).
     */
    private ObjectNode fromFormat1(ObjectNode tree) {
        boolean exited = tree.path("pid").asLong() == 0;
        boolean ending = !tree.path("ending").isNull() && !tree.path("ending").isMissingNode();
        tree.put("phase", (exited ? WorkerPhase.EXITED : ending ? WorkerPhase.ENDING : WorkerPhase.RUNNING).name());
        Path qmpSocket = Path.of(tree.path("qmpSocket").asText(""));
        if (qmpSocket.getParent() != null) {
            tree.put("runDir", qmpSocket.getParent().toString());
        }
        if (exited) {
            tree.remove("ending");
        }
        return tree;
    }

    /** Write-then-rename, so a crash mid-write leaves the old record, never half a new one. */
    void write(WorkerRecord record) {
        Path file = paths(new PartitionName(record.partition())).record();
        try {
            Files.createDirectories(file.getParent());
            Path temp = file.resolveSibling(file.getFileName() + ".tmp");
            Json.MAPPER.writeValue(temp.toFile(), record);
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write worker record " + file, e);
        }
    }

    void delete(PartitionName name) {
        try {
            Files.deleteIfExists(paths(name).record());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete worker record " + paths(name).record(), e);
        }
    }

    /** Moves an unreadable record aside, kept for a human, so the partition can go on without it. Returns where. */
    Path quarantine(PartitionName name, Instant now) throws IOException {
        Path file = paths(name).record();
        Path aside = file.resolveSibling("worker.json.unreadable-" + now.toEpochMilli());
        Files.move(file, aside, StandardCopyOption.ATOMIC_MOVE);
        return aside;
    }

    /** Every partition with a record, by name. Directories that are not partition names are ignored. */
    List<PartitionName> names() {
        List<PartitionName> names = new ArrayList<>();
        Path workers = stateDir.resolve("workers");
        if (!Files.isDirectory(workers)) {
            return names;
        }
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(workers)) {
            for (Path dir : dirs) {
                String name = dir.getFileName().toString();
                if (PartitionName.isValid(name) && Files.exists(dir.resolve("worker.json"))) {
                    names.add(new PartitionName(name));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + workers, e);
        }
        names.sort(null);
        return names;
    }
}
