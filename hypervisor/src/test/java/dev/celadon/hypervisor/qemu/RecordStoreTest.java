package dev.celadon.hypervisor.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.celadon.hypervisor.PartitionName;
import dev.celadon.hypervisor.VmConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Records as a later reconciler finds them: written whole, or cut short, or from an earlier version. */
class RecordStoreTest {

    private static final PartitionName NAME = new PartitionName("web");
    private static final VmConfig CONFIG = KernelOnlyConfig.of(NAME);

    @TempDir
    Path state;

    private RecordStore store;
    private WorkerRecord record;

    @BeforeEach
    void oneRecord() {
        store = new RecordStore(state);
        record = WorkerRecord.launching("web", "2026-11-30T10:00:00Z", "TCG", VmConfigJson.hash(CONFIG),
                VmConfigJson.toJson(CONFIG), CONFIG.memoryBytes(), state.resolve("run/abc").toString());
    }

    @Test
    void aRecordReadsBackAsWritten() throws Exception {
        store.write(record.spawned(42, 4242).running());
        // As text: Jackson reads small numbers in the config back as ints where they were written from longs.
        assertThat(store.read(NAME).orElseThrow()).hasToString(record.spawned(42, 4242).running().toString());
        assertThat(store.names()).containsExactly(NAME);
    }

    @Test
    void everyCutOfARecordIsUnreadableNeverAnotherException() throws Exception {
        store.write(record.spawned(42, 4242).running());
        byte[] whole = Files.readAllBytes(store.paths(NAME).record());
        for (int length = 0; length < whole.length - 2; length++) {
            Files.write(store.paths(NAME).record(), java.util.Arrays.copyOf(whole, length));
            assertThatThrownBy(() -> store.read(NAME)).as("cut at %d bytes", length)
                    .isInstanceOf(RecordStore.Unreadable.class).hasMessageContaining("worker.json");
        }
    }

    @Test
    void aRecordOfAnotherPartitionOrOfNothingIsUnreadable() throws Exception {
        store.write(record);
        Path file = store.paths(NAME).record();
        Files.writeString(file, Files.readString(file).replace("\"web\"", "\"db\""));
        assertThatThrownBy(() -> store.read(NAME)).isInstanceOf(RecordStore.Unreadable.class).hasMessageContaining("web");
        for (String text : new String[] {"null", "[]", "42", "{}", "{\"partition\": \"web\", \"phase\": \"FLYING\"}"}) {
            Files.writeString(file, text);
            assertThatThrownBy(() -> store.read(NAME)).as(text).isInstanceOf(RecordStore.Unreadable.class);
        }
    }

    @Test
    void anUnreadableRecordIsMovedAsideAndThePartitionHasNoRecordAfterwards() throws Exception {
        store.write(record);
        Files.writeString(store.paths(NAME).record(), "{\"format\": 2, \"partiti");
        Path aside = store.quarantine(NAME, Instant.ofEpochMilli(1234));
        assertThat(aside.getFileName().toString()).isEqualTo("worker.json.unreadable-1234");
        assertThat(aside).content().isEqualTo("{\"format\": 2, \"partiti");
        assertThat(store.read(NAME)).isEmpty();
        assertThat(store.names()).isEmpty();
    }

    @Test
    void aFormat1RecordOfAnEarlierVersionIsRead() throws Exception {
        Path dir = Files.createDirectories(store.paths(NAME).workerDir());
        String format1 = """
                {"format": 1, "partition": "web", "pid": 42, "startTicks": 4242, "startedAt": "2026-11-30T10:00:00Z",
                 "accel": "TCG", "configHash": "%s", "config": %s, "memoryTarget": %d,
                 "qmpSocket": "%s/qmp.sock", "agentSocket": "%s/agent.sock", "consoleLog": "%s/console.log",
                 "stopRequested": %s, "ending": %s, "lastStop": null}""";
        String config = VmConfigJson.toJson(CONFIG).toString();
        Files.writeString(dir.resolve("worker.json"), format1.formatted(VmConfigJson.hash(CONFIG), config, CONFIG.memoryBytes(),
                dir, dir, dir, false, "null"));
        WorkerRecord running = store.read(NAME).orElseThrow();
        assertThat(running.phase()).isEqualTo(WorkerPhase.RUNNING);
        assertThat(running.runDir()).as("its sockets were in the worker dir").isEqualTo(dir.toString());
        assertThat(running.pid()).isEqualTo(42);

        Files.writeString(dir.resolve("worker.json"), format1.formatted(VmConfigJson.hash(CONFIG), config, CONFIG.memoryBytes(),
                dir, dir, dir, true, "{\"reason\": \"REQUESTED\", \"at\": \"2026-11-30T10:01:00Z\", \"detail\": \"stop requested\"}"));
        WorkerRecord ending = store.read(NAME).orElseThrow();
        assertThat(ending.phase()).isEqualTo(WorkerPhase.ENDING);
        assertThat(ending.stopRequested()).isTrue();
    }
}
