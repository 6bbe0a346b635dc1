package dev.celadon.hypervisor.qemu;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.celadon.hypervisor.PartitionName;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Reads and atomically writes worker records under {@code STATE/workers}. */
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

    private final Path stateDir;

    RecordStore(Path stateDir) {
        this.stateDir = stateDir;
    }

    WorkerPaths paths(PartitionName name) {
        return WorkerPaths.of(stateDir, name);
    }

    Optional<WorkerRecord> read(PartitionName name) {
        try {
            return Optional.of(Json.MAPPER.readValue(paths(name).record().toFile(), WorkerRecord.class));
        } catch (NoSuchFileException | java.io.FileNotFoundException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("unreadable worker record " + paths(name).record(), e);
        }
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
