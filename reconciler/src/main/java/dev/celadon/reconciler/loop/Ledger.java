package dev.celadon.reconciler.loop;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.celadon.hypervisor.PartitionName;
import dev.celadon.reconciler.plan.LedgerEntry;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * The reconciler's memory of what it applied, one {@link LedgerEntry} per partition, in one JSON file
 * in the state dir. Written whole and renamed into place, so a crash leaves the old or the new file,
 * never half of one. Only the loop thread uses it. The mapper is asked for only when there is JSON to
 * read or write: on a first start there is none, and making Jackson's mapper cost about 15 ms of the start.
 */
public final class Ledger {

    private final Path file;
    private final Supplier<ObjectMapper> mapper;
    private final Map<PartitionName, LedgerEntry> entries = new TreeMap<>();

    public Ledger(Path file, Supplier<ObjectMapper> mapper) {
        this.file = file;
        this.mapper = mapper;
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

    private void load() {
        if (!Files.exists(file)) {
            return;
        }
        try {
            Map<String, LedgerEntry> stored = mapper.get().readValue(file.toFile(), new TypeReference<>() {
            });
            stored.forEach((name, entry) -> entries.put(new PartitionName(name), entry));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the ledger " + file + ": " + e.getMessage(), e);
        }
    }

    private void save() {
        Map<String, LedgerEntry> stored = new TreeMap<>();
        entries.forEach((name, entry) -> stored.put(name.value(), entry));
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            mapper.get().writeValue(tmp.toFile(), stored);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the ledger " + file + ": " + e.getMessage(), e);
        }
    }
}
