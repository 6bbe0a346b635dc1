package dev.celadon.reconciler.status;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.celadon.reconciler.config.JavaTimeJson;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * The history and its file: bounded in memory and on disk, taken up again after a restart, and never a reason
 * not to start, whatever a crash or a power cut left in the file.
 */
class EventHistoryTest {

    private static final Instant AT = Instant.parse("2026-11-30T12:00:00Z");

    @TempDir
    Path stateDir;

    private final ObjectMapper mapper = new ObjectMapper().registerModule(JavaTimeJson.module());
    private final ReconcileMetrics metrics = new ReconcileMetrics();

    private Path file() {
        return stateDir.resolve("reconciler/events.jsonl");
    }

    private EventHistory history(int retained) {
        EventHistory history = new EventHistory(retained, metrics, mapper);
        history.persistIn(file());
        return history;
    }

    private static Event applied(int n) {
        return Event.action(EventType.ActionApplied, AT.plusSeconds(n), "web-" + n, "r" + n, "restart", null,
                "restart: cpus 1 → 2", Duration.ofMillis(n));
    }

    private static void recordAll(EventHistory history, int from, int to) {
        IntStream.rangeClosed(from, to).forEach(n -> history.record(applied(n)));
    }

    private List<String> lines() throws IOException {
        return Files.readAllLines(file());
    }

    @Test
    void keepsTheNewestInOrderAndNumbersThem() {
        EventHistory history = history(3);
        recordAll(history, 1, 5);

        assertThat(history.last(10)).extracting(Event::partition).containsExactly("web-3", "web-4", "web-5");
        assertThat(history.last(10)).extracting(Event::id).containsExactly(3L, 4L, 5L);
        assertThat(history.last(1)).extracting(Event::partition).containsExactly("web-5");
    }

    @Test
    void survivesARestartWithItsNumbersGoingOn() {
        EventHistory first = history(10);
        recordAll(first, 1, 4);

        EventHistory second = history(10);
        assertThat(second.last(10)).isEqualTo(first.last(10));
        second.record(applied(5));
        assertThat(second.last(10)).extracting(Event::id).containsExactly(1L, 2L, 3L, 4L, 5L);
        assertThat(second.last(1).getFirst()).satisfies(e -> {
            assertThat(e.at()).isEqualTo(AT.plusSeconds(5));
            assertThat(e.type()).isEqualTo(EventType.ActionApplied);
            assertThat(e.revision()).isEqualTo("r5");
            assertThat(e.action()).isEqualTo("restart");
            assertThat(e.message()).isEqualTo("restart: cpus 1 → 2");
            assertThat(e.durationMillis()).isEqualTo(5L);
        });
    }

    @Test
    void theFileNeverHoldsMoreThanTwiceWhatIsKept() throws IOException {
        EventHistory history = history(50);
        for (int n = 1; n <= 1000; n++) {
            history.record(applied(n));
            assertThat(lines().size()).isLessThan(100);
        }
        assertThat(history(50).last(100)).extracting(Event::id).containsExactlyElementsOf(
                IntStream.rangeClosed(951, 1000).mapToObj(Long::valueOf).toList());
    }

    @Test
    void aLineCutShortByACrashIsDroppedAndTheNextEventStartsOnItsOwnLine() throws IOException {
        recordAll(history(10), 1, 3);
        byte[] whole = Files.readAllBytes(file());
        // A crash in the middle of writing the fourth line.
        Files.write(file(), "{\"id\":4,\"at\":\"2026-11-30T12:00:04Z\",\"type\":\"Action".getBytes(StandardCharsets.UTF_8),
                StandardOpenOption.APPEND);

        EventHistory restarted = history(10);
        assertThat(restarted.last(10)).extracting(Event::id).containsExactly(1L, 2L, 3L);
        assertThat(Files.readAllBytes(file())).as("rewritten without the torn line").isEqualTo(whole);
        restarted.record(applied(4));
        assertThat(history(10).last(10)).extracting(Event::id).containsExactly(1L, 2L, 3L, 4L);
    }

    @Test
    void aWholeLastEventWithoutItsNewlineCountsAsTornToo() throws IOException {
        recordAll(history(10), 1, 3);
        byte[] bytes = Files.readAllBytes(file());
        Files.write(file(), java.util.Arrays.copyOf(bytes, bytes.length - 1));

        assertThat(history(10).last(10)).extracting(Event::id).containsExactly(1L, 2L);
    }

    @Test
    void zerosAPowerCutLeftAndLinesThatAreNoEventAreDropped() throws IOException {
        recordAll(history(10), 1, 2);
        Files.write(file(), ("not json\n{\"id\":0,\"type\":\"ActionApplied\"}\n{\"id\":9,\"at\":\"2026-11-30T12:00:00Z\","
                + "\"type\":\"SomethingNew\"}\n\n").getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND);
        recordAll(history(10), 3, 3);
        Files.write(file(), new byte[4096], StandardOpenOption.APPEND);

        EventHistory restarted = history(10);
        assertThat(restarted.last(10)).extracting(Event::id).containsExactly(1L, 2L, 3L);
        assertThat(lines()).hasSize(3);
    }

    @Test
    void aLineLongerThanAnyEventIsSkippedWithoutBeingHeld() throws IOException {
        recordAll(history(10), 1, 1);
        Files.write(file(), ("{\"id\":2,\"message\":\"" + "x".repeat(4 * EventFile.MAX_LINE) + "\"}\n")
                .getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND);
        recordAll(history(10), 2, 2);

        assertThat(history(10).last(10)).extracting(Event::id).containsExactly(1L, 2L);
    }

    /** A file far bigger than the history can ever write: only its end is read, and it is cut back to size. */
    @Test
    void aFileGrownByAccidentIsReadFromItsEndOnly() throws IOException {
        recordAll(history(5), 1, 5);
        byte[] events = Files.readAllBytes(file());
        try (RandomAccessFile grown = new RandomAccessFile(file().toFile(), "rw")) {
            grown.setLength(0);
            grown.write("garbage without a newline ".repeat(1 << 16).getBytes(StandardCharsets.UTF_8));
            grown.write('\n');
            grown.write(events);
        }

        EventHistory restarted = history(5);
        assertThat(restarted.last(10)).extracting(Event::id).containsExactly(1L, 2L, 3L, 4L, 5L);
        assertThat(Files.size(file())).isEqualTo(events.length);
    }

    @Test
    void fewerKeptThanBeforeKeepsTheNewest() throws IOException {
        recordAll(history(10), 1, 10);

        assertThat(history(4).last(10)).extracting(Event::id).containsExactly(7L, 8L, 9L, 10L);
        assertThat(lines()).hasSize(4);
    }

    @Test
    void aLeftoverTemporaryFileOfACrashedRewriteIsIgnored() throws IOException {
        recordAll(history(10), 1, 2);
        Files.writeString(file().resolveSibling("events.jsonl.tmp"), "{\"id\":1,");

        assertThat(history(10).last(10)).extracting(Event::id).containsExactly(1L, 2L);
        assertThat(file().resolveSibling("events.jsonl.tmp")).doesNotExist();
    }

    @Test
    void aFileThatCannotBeWrittenLeavesTheHistoryInMemory() throws IOException {
        Files.createDirectories(file());  // a folder where the file should be: every write fails

        EventHistory history = history(10);
        recordAll(history, 1, 3);
        assertThat(history.last(10)).extracting(Event::id).containsExactly(1L, 2L, 3L);
    }

    @Test
    void withoutAFileItLivesInMemory() {
        EventHistory history = new EventHistory(2, metrics, mapper);
        recordAll(history, 1, 3);

        assertThat(history.last(5)).extracting(Event::id).containsExactly(2L, 3L);
        assertThat(stateDir.resolve("reconciler")).doesNotExist();
    }

    @Test
    void freeTextIsBoundedAndCarriesNoCredentials() throws IOException {
        EventHistory history = history(10);
        Event event = history.record(Event.action(EventType.ActionFailed, AT, "web", "r1", "start", "WorkerLaunch",
                "fetch https://user:ghp_secret@images.example/x.qcow2 failed: " + "\u001b[2J".repeat(5000), null));

        assertThat(event.message()).doesNotContain("ghp_secret").contains("https://images.example/x.qcow2")
                .hasSizeLessThanOrEqualTo(Event.MAX_MESSAGE);
        assertThat(Files.readAllBytes(file()).length).isLessThan(EventFile.MAX_LINE);
        assertThat(history(10).last(1)).containsExactly(event);
    }

    @Test
    void retainedOutsideItsRangeIsRefused() {
        assertThatIllegalArgumentException().isThrownBy(() -> new EventHistory(0, metrics, mapper));
        assertThatIllegalArgumentException().isThrownBy(() -> new EventHistory(EventHistory.MAX_RETAINED + 1, metrics, mapper));
    }
}
