package dev.celadon.reconciler.loop;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.celadon.hypervisor.PartitionName;
import dev.celadon.reconciler.config.JavaTimeJson;
import dev.celadon.reconciler.plan.LedgerEntry;
import dev.celadon.reconciler.spec.DeletionPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The ledger on disk as crashes, power cuts and people leave it. Whatever the file holds, a ledger
 * comes up: what was whole is kept, the damaged file is moved aside, and {@link Ledger#problem()} says so.
 */
class LedgerTest {

    private static final PartitionName DB = new PartitionName("db");
    private static final PartitionName WEB = new PartitionName("web");
    private static final LedgerEntry PROTECTED = new LedgerEntry("abc123", true, DeletionPolicy.RETAIN,
            Duration.ofSeconds(30), 2, 1);
    private static final LedgerEntry PLAIN = new LedgerEntry("abc123", false, DeletionPolicy.DELETE,
            Duration.ofSeconds(10), 0, 0);

    @TempDir
    Path dir;

    private final ObjectMapper mapper = new ObjectMapper().registerModule(JavaTimeJson.module());

    private Path file() {
        return dir.resolve("reconciler").resolve("ledger.json");
    }

    private Ledger open() {
        return new Ledger(file(), () -> mapper);
    }

    /** db and web, as the reconciler writes them: db's entry first. */
    private byte[] twoEntries() throws IOException {
        Ledger ledger = open();
        ledger.put(DB, PROTECTED);
        ledger.put(WEB, PLAIN);
        return Files.readAllBytes(file());
    }

    private void damage(byte[] bytes) throws IOException {
        Files.createDirectories(file().getParent());
        Files.write(file(), bytes);
    }

    private List<Path> movedAside() throws IOException {
        try (Stream<Path> files = Files.list(file().getParent())) {
            return files.filter(f -> f.getFileName().toString().startsWith("ledger.json.unreadable-")).toList();
        }
    }

    @Test
    void aFirstStartHasNoFileAndNoProblem() {
        Ledger ledger = open();

        assertThat(ledger.entries()).isEmpty();
        assertThat(ledger.problem()).isEmpty();
        assertThat(file()).doesNotExist();
    }

    /** A Try rollout rolled back: its previous machine (with a cloud-init seed and a user-mode forward) and times. */
    private static LedgerEntry withTrial() {
        dev.celadon.reconciler.spec.Partition web = dev.celadon.reconciler.plan.Specs.partition("web");
        var previous = web.vm().withCloudInit(java.util.Optional.of(dev.celadon.hypervisor.CloudInit.of(web.name(),
                "#cloud-config\n", java.util.Optional.empty())));
        return PLAIN.withTrial(new dev.celadon.reconciler.plan.Trial(dev.celadon.reconciler.plan.Trial.Phase.ROLLED_BACK,
                "restart", "restart: cpus 1 → 2", "r2", "hash timeout 2m", previous, "r1",
                java.time.Instant.parse("2026-11-23T12:00:00Z"), java.time.Instant.parse("2026-11-23T12:02:00Z"),
                "NotReady", "not Ready within 2m: NoHeartbeat", java.time.Instant.parse("2026-11-23T12:02:01Z")));
    }

    @Test
    void aTrialIsReadBackWholeAndAnEntryWithoutOneIsWrittenAsBefore() throws IOException {
        Ledger ledger = open();
        ledger.put(WEB, withTrial());
        ledger.put(DB, PLAIN);

        Ledger again = open();
        assertThat(again.get(WEB)).isEqualTo(withTrial());
        assertThat(again.get(DB)).isEqualTo(PLAIN);
        assertThat(again.problem()).isEmpty();
        String json = Files.readString(file());
        assertThat(json).as("no trial field where there is none").containsOnlyOnce("\"trial\"");
        assertThat(mapper.readTree(json).path("db").has("trial")).isFalse();
    }

    @Test
    void anEntryWhoseTrialIsDamagedIsNotWholeAndTheOthersAreKept() throws IOException {
        Ledger ledger = open();
        ledger.put(WEB, withTrial());
        ledger.put(DB, PLAIN);
        damage(Files.readString(file()).replace("\"deadline\"", "\"deadlinx\"").getBytes(StandardCharsets.UTF_8));

        Ledger again = open();
        assertThat(again.get(WEB)).isNull();
        assertThat(again.get(DB)).isEqualTo(PLAIN);
        assertThat(again.problem()).hasValueSatisfying(p -> assertThat(p.reason()).isEqualTo("WrongShape"));
    }

    @Test
    void whatIsWrittenIsReadBackWithoutAProblem() throws IOException {
        twoEntries();

        Ledger again = open();

        assertThat(again.entries()).isEqualTo(Map.of(DB, PROTECTED, WEB, PLAIN));
        assertThat(again.problem()).isEmpty();
        assertThat(movedAside()).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            empty                   | ''                                                    | Empty
            only white space        | '   '                                                 | Empty
            not JSON                | 'ledger, version 2'                                   | NotJson
            an array                | '[]'                                                  | WrongShape
            null                    | 'null'                                                | WrongShape
            a number as entry       | '{"web": 3}'                                          | WrongShape
            an entry with no fields | '{"web": {}}'                                         | WrongShape
            a name that is no name  | '{"Web Server": {"revision": "abc123", "protectedFromDeletion": false, "deletionPolicy": "RETAIN", "shutdownGracePeriod": 30.000000000, "restarts": 0, "consecutiveFailures": 0}}' | WrongShape
            a negative count        | '{"web": {"revision": "abc123", "protectedFromDeletion": false, "deletionPolicy": "RETAIN", "shutdownGracePeriod": 30.000000000, "restarts": -1, "consecutiveFailures": 0}}' | WrongShape
            more after the end      | '{} {}'                                               | NotJson
            """)
    void aFileThatIsNoLedgerIsMovedAsideAndReplaced(String what, String content, String reason) throws IOException {
        damage(content.getBytes(StandardCharsets.UTF_8));

        Ledger ledger = open();

        assertThat(ledger.entries()).isEmpty();
        assertThat(ledger.problem()).hasValueSatisfying(problem -> {
            assertThat(problem.type()).isEqualTo(Ledger.RECOVERED);
            assertThat(problem.reason()).isEqualTo(reason);
            assertThat(problem.message()).contains(file().toString(), "moved aside to ledger.json.unreadable-");
        });
        assertThat(movedAside()).singleElement().satisfies(aside ->
                assertThat(Files.readString(aside)).isEqualTo(content));
        assertThat(Files.readString(file())).isEqualTo("{}");
        assertThat(open().problem()).as("the next start finds a whole ledger").isEmpty();
    }

    @Test
    void aFileCutShortKeepsTheEntriesBeforeTheCut() throws IOException {
        byte[] whole = twoEntries();
        damage(Arrays.copyOf(whole, whole.length - 20));

        Ledger ledger = open();

        assertThat(ledger.entries()).isEqualTo(Map.of(DB, PROTECTED));
        assertThat(ledger.problem()).hasValueSatisfying(problem -> {
            assertThat(problem.reason()).isEqualTo("Truncated");
            assertThat(problem.message()).contains("is cut short", "its whole entries are kept (db)");
        });
        assertThat(open().entries()).as("written back at once").isEqualTo(Map.of(DB, PROTECTED));
    }

    /** What ext4 can leave after a power cut: the file's length, its blocks never written. */
    @Test
    void aFileOfZerosIsNotJson() throws IOException {
        damage(new byte[300]);

        Ledger ledger = open();

        assertThat(ledger.entries()).isEmpty();
        assertThat(ledger.problem()).hasValueSatisfying(problem -> assertThat(problem.reason()).isEqualTo("NotJson"));
    }

    @Test
    void oneBadEntryLosesOnlyItself() throws IOException {
        String web = new String(twoEntries(), StandardCharsets.UTF_8).replace("\"restarts\":0", "\"restarts\":\"many\"");
        damage(web.getBytes(StandardCharsets.UTF_8));

        Ledger ledger = open();

        assertThat(ledger.entries()).isEqualTo(Map.of(DB, PROTECTED));
        assertThat(ledger.problem()).hasValueSatisfying(problem -> {
            assertThat(problem.reason()).isEqualTo("WrongShape");
            assertThat(problem.message()).contains("has entries that are not ledger entries: web");
        });
    }

    /** As root, permissions do not stop a read; a folder in the file's place does. */
    @Test
    void anUnreadableFileIsMovedAside() throws IOException {
        Files.createDirectories(file().resolve("lost+found"));

        Ledger ledger = open();

        assertThat(ledger.problem()).hasValueSatisfying(problem -> {
            assertThat(problem.reason()).isEqualTo("Unreadable");
            assertThat(problem.message()).contains("cannot be read");
        });
        assertThat(movedAside()).singleElement().satisfies(aside -> assertThat(aside.resolve("lost+found")).isDirectory());
        ledger.put(WEB, PLAIN);
        assertThat(open().entries()).isEqualTo(Map.of(WEB, PLAIN));
    }

    /**
     * A crash after the new ledger was written to its temporary file but before the rename: the old
     * ledger is whole and in force, and the half-written file is never read.
     */
    @Test
    void aCrashBeforeTheRenameLeavesTheOldLedger() throws IOException {
        byte[] old = twoEntries();
        Path temporary = file().resolveSibling("ledger.json.tmp");
        Files.write(temporary, Arrays.copyOf(old, old.length / 2));

        Ledger ledger = open();

        assertThat(ledger.entries()).isEqualTo(Map.of(DB, PROTECTED, WEB, PLAIN));
        assertThat(ledger.problem()).isEmpty();
        assertThat(temporary).doesNotExist();
        assertThat(movedAside()).isEmpty();
    }

    @Test
    void aCrashBeforeTheFirstRenameIsAFirstStart() throws IOException {
        Files.createDirectories(file().getParent());
        Files.writeString(file().resolveSibling("ledger.json.tmp"), "{\"web\":{\"revis");

        Ledger ledger = open();

        assertThat(ledger.entries()).isEmpty();
        assertThat(ledger.problem()).isEmpty();
    }

    /** A full disk or a read-only mount: the loop goes on with the ledger in memory, and status says so. */
    @Test
    void aFailedWriteKeepsTheLedgerInMemoryUntilAWriteSucceeds() throws IOException {
        Ledger ledger = open();
        ledger.put(WEB, PLAIN);
        Path blocker = file().resolveSibling("ledger.json.tmp");
        Files.createDirectories(blocker.resolve("in-the-way"));

        ledger.put(DB, PROTECTED);

        assertThat(ledger.entries()).isEqualTo(Map.of(DB, PROTECTED, WEB, PLAIN));
        assertThat(ledger.problem()).hasValueSatisfying(problem -> {
            assertThat(problem.type()).isEqualTo(Ledger.UNWRITABLE);
            assertThat(problem.reason()).isEqualTo("WriteFailed");
            assertThat(problem.message()).contains("cannot write the ledger " + file());
        });

        Files.delete(blocker.resolve("in-the-way"));
        Files.delete(blocker);
        ledger.remove(WEB);

        assertThat(ledger.problem()).isEmpty();
        assertThat(open().entries()).isEqualTo(Map.of(DB, PROTECTED));
    }
}
