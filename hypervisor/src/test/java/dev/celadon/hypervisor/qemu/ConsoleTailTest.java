package dev.celadon.hypervisor.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.celadon.hypervisor.ConsoleLog;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tail of a console as {@link ConsoleCapture} keeps it: {@code console.log.1}, then {@code console.log}. */
class ConsoleTailTest {

    @TempDir
    Path dir;

    private Path log;
    private Path rotated;

    @BeforeEach
    void paths() {
        log = dir.resolve("console.log");
        rotated = dir.resolve("console.log.1");
        assertThat(ConsoleCapture.rotated(log)).isEqualTo(rotated);
    }

    @Test
    void noConsoleIsAnEmptyTail() throws IOException {
        assertThat(ConsoleCapture.tail(log, ConsoleLog.KEPT_BYTES)).isEmpty();
    }

    @Test
    void aShortLogIsWholeAndALongOneItsLastBytes() throws IOException {
        Files.writeString(log, "hello, console\n");
        assertThat(text(ConsoleCapture.tail(log, 100))).isEqualTo("hello, console\n");
        assertThat(text(ConsoleCapture.tail(log, 15))).isEqualTo("hello, console\n");
        assertThat(text(ConsoleCapture.tail(log, 8))).isEqualTo("console\n");
        assertThat(text(ConsoleCapture.tail(log, 1))).isEqualTo("\n");
    }

    @Test
    void theTailRunsAcrossTheRotationBoundary() throws IOException {
        Files.writeString(rotated, "0123456789");
        Files.writeString(log, "abcdef");
        assertThat(text(ConsoleCapture.tail(log, 100))).isEqualTo("0123456789abcdef");
        assertThat(text(ConsoleCapture.tail(log, 16))).isEqualTo("0123456789abcdef");
        assertThat(text(ConsoleCapture.tail(log, 8))).isEqualTo("89abcdef");
        assertThat(text(ConsoleCapture.tail(log, 7))).isEqualTo("9abcdef");
        assertThat(text(ConsoleCapture.tail(log, 6))).isEqualTo("abcdef");
        assertThat(text(ConsoleCapture.tail(log, 2))).isEqualTo("ef");
    }

    @Test
    void aPredecessorAloneIsTheTail() throws IOException {
        // Between a rotation's rename and the new log's first byte, and after an unwritable log was given up.
        Files.writeString(rotated, "before the rotation");
        assertThat(text(ConsoleCapture.tail(log, 10))).isEqualTo("e rotation");
    }

    @Test
    void aTailStartsAtACharacterNotInsideOne() throws IOException {
        Files.write(rotated, bytes("a€"));                  // 61 E2 82 AC
        Files.write(log, bytes("b😀"));                     // 62 F0 9F 98 80
        assertThat(text(ConsoleCapture.tail(log, 9))).isEqualTo("a€b😀");
        assertThat(text(ConsoleCapture.tail(log, 8))).isEqualTo("€b😀");
        assertThat(text(ConsoleCapture.tail(log, 7))).as("the € cut across the boundary").isEqualTo("b😀");
        assertThat(text(ConsoleCapture.tail(log, 6))).isEqualTo("b😀");
        assertThat(text(ConsoleCapture.tail(log, 4))).isEqualTo("😀");
        assertThat(text(ConsoleCapture.tail(log, 3))).as("the 😀 cut: nothing whole is left").isEmpty();
    }

    @Test
    void bytesThatAreNoUtf8AreKeptAsTheGuestWroteThem() throws IOException {
        byte[] garbage = {(byte) 0xFF, (byte) 0xFE, 0x1B, '[', '3', '1', 'm', (byte) 0xC3, 0x00, (byte) 0x80, 'A'};
        Files.write(log, garbage);
        assertThat(ConsoleCapture.tail(log, 100)).isEqualTo(garbage);
        // Cut: at most three continuation bytes go (no character has more), whatever follows.
        byte[] continuations = {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 'A'};
        Files.write(log, continuations);
        assertThat(ConsoleCapture.tail(log, 5)).isEqualTo(new byte[] {(byte) 0x80, 'A'});
        assertThat(ConsoleCapture.tail(log, 6)).as("not cut: as it is").isEqualTo(continuations);
    }

    @Test
    void aTailIsOneByteUpToWhatIsKept() throws IOException {
        byte[] full = new byte[ConsoleLog.KEPT_BYTES];
        Arrays.fill(full, (byte) 'x');
        Files.write(rotated, Arrays.copyOf(full, ConsoleLog.KEPT_BYTES / 2));
        Files.write(log, Arrays.copyOf(full, ConsoleLog.KEPT_BYTES / 2));
        assertThat(ConsoleCapture.tail(log, ConsoleLog.KEPT_BYTES)).isEqualTo(full);
        for (int bad : new int[] {0, -1, ConsoleLog.KEPT_BYTES + 1, Integer.MIN_VALUE, Integer.MAX_VALUE}) {
            assertThatThrownBy(() -> ConsoleCapture.tail(log, bad)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(Integer.toString(bad));
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
