package dev.celadon.hypervisor.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A test server stands in for QEMU's console socket: {@code server=on,wait=off}, one client. */
@Timeout(60)
class ConsoleCaptureTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    /** Each pattern record is a distinct line of this many bytes: its number, zero-padded. */
    private static final int RECORD = 16;

    @TempDir
    Path dir;

    private Path socket;
    private Path log;
    private Path rotated;

    @BeforeEach
    void paths() {
        socket = dir.resolve("console.sock");
        log = dir.resolve("console.log");
        rotated = dir.resolve("console.log.1");
    }

    @Test
    void aFloodStaysWithinTheCapAndKeepsItsLastBytesInOrder() throws Exception {
        long cap = 64 * 1024;
        long total = 10L * 1024 * 1024;
        int chunk = 8 * 1024;
        long largest = 0;
        int rotatedSamples = 0;
        int tails = 0;
        try (ServerSocketChannel server = listen(socket);
                ConsoleCapture capture = ConsoleCapture.start(socket, log, cap, "flood")) {
            try (SocketChannel guest = server.accept()) {
                for (long offset = 0; offset < total; offset += chunk) {
                    send(guest, pattern(offset, chunk));
                    largest = Math.max(largest, Math.max(size(log), size(rotated)));
                    rotatedSamples += Files.exists(rotated) ? 1 : 0;
                    if (offset % (4 * chunk) == 0) {
                        // Read while the capture writes and rotates: one stretch of the stream, nothing lost or doubled.
                        assertContiguous(ConsoleCapture.tail(log, (int) (cap + cap / 2)));
                        tails++;
                    }
                }
            }
            await().atMost(TIMEOUT).until(() -> !capture.running());
        }
        assertThat(largest).isLessThanOrEqualTo(cap);
        assertThat(rotatedSamples).as("samples taken after the first rotation").isGreaterThan(100);
        assertThat(size(log)).isLessThanOrEqualTo(cap);
        assertThat(size(rotated)).isLessThanOrEqualTo(cap);
        byte[] kept = concat(Files.readAllBytes(rotated), Files.readAllBytes(log));
        assertThat(kept.length).isGreaterThan((int) cap);
        assertThat(kept).isEqualTo(pattern(total - kept.length, kept.length));
        assertThat(tails).isGreaterThan(100);
        assertThat(ConsoleCapture.tail(log, (int) (2 * cap))).isEqualTo(kept);
    }

    /** A tail is the stream's bytes from some offset on: found by its first whole record's number. */
    private static void assertContiguous(byte[] tail) {
        int firstRecord = indexOf(tail, (byte) '\n') + 1;
        if (firstRecord == 0 || tail.length < firstRecord + RECORD) {
            return;
        }
        long number = Long.parseLong(new String(tail, firstRecord, RECORD - 1, StandardCharsets.US_ASCII));
        long start = number * RECORD - firstRecord;
        assertThat(tail).isEqualTo(pattern(start, tail.length));
    }

    private static int indexOf(byte[] data, byte b) {
        for (int i = 0; i < data.length; i++) {
            if (data[i] == b) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void waitsForTheSocketToAppear() throws Exception {
        try (ConsoleCapture capture = ConsoleCapture.start(socket, log, ConsoleCapture.CAP, "late")) {
            await().during(Duration.ofMillis(500)).atMost(TIMEOUT).until(() -> capture.running() && !capture.connected());
            try (ServerSocketChannel server = listen(socket); SocketChannel guest = server.accept()) {
                send(guest, bytes("Linux version 6.6\n"));
                await().atMost(TIMEOUT).until(() -> content(log).equals("Linux version 6.6\n"));
                assertThat(capture.connected()).isTrue();
            }
        }
    }

    @Test
    void appendsToAnExistingLog() throws Exception {
        Files.writeString(log, "before restart\n");
        try (ServerSocketChannel server = listen(socket);
                ConsoleCapture capture = ConsoleCapture.start(socket, log, 100, "reattached");
                SocketChannel guest = server.accept()) {
            send(guest, bytes("after restart\n"));
            await().atMost(TIMEOUT).until(() -> content(log).equals("before restart\nafter restart\n"));
        }
        assertThat(rotated).doesNotExist();
    }

    @Test
    void anExistingLogNearTheCapRotatesOnTheFirstWriteThatWouldPassIt() throws Exception {
        long cap = 100;
        String old = "o".repeat((int) cap - 10);
        Files.writeString(log, old);
        try (ServerSocketChannel server = listen(socket);
                ConsoleCapture capture = ConsoleCapture.start(socket, log, cap, "near-cap");
                SocketChannel guest = server.accept()) {
            send(guest, bytes("0123456789abcdefghij"));
            await().atMost(TIMEOUT).until(() -> content(log).equals("0123456789abcdefghij"));
        }
        assertThat(content(rotated)).isEqualTo(old);
    }

    @Test
    void anExistingLogOverTheCapLeavesOnlyItsTail() throws Exception {
        long cap = 1000;
        byte[] old = pattern(0, 3 * (int) cap);
        Files.write(log, old);
        try (ServerSocketChannel server = listen(socket);
                ConsoleCapture capture = ConsoleCapture.start(socket, log, cap, "oversized");
                SocketChannel guest = server.accept()) {
            send(guest, bytes("new\n"));
            await().atMost(TIMEOUT).until(() -> content(log).equals("new\n"));
        }
        assertThat(Files.readAllBytes(rotated)).isEqualTo(Arrays.copyOfRange(old, old.length - (int) cap, old.length));
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder(
                    "console.sock", "console.log", "console.log.1");
        }
    }

    @Test
    void aSingleReadLargerThanTheCapKeepsItsLastBytes() throws Exception {
        int cap = 1000;
        byte[] burst = pattern(0, 5 * cap);
        try (ServerSocketChannel server = listen(socket);
                ConsoleCapture capture = ConsoleCapture.start(socket, log, cap, "burst");
                SocketChannel guest = server.accept()) {
            send(guest, bytes("first\n"));
            await().atMost(TIMEOUT).until(() -> content(log).equals("first\n"));
            send(guest, burst);
            await().atMost(TIMEOUT).until(() -> Arrays.equals(bytesOf(log), Arrays.copyOfRange(burst, burst.length - cap, burst.length)));
        }
        assertThat(content(rotated)).isEqualTo("first\n");
    }

    @Test
    void closeEndsABlockedRead() throws Exception {
        try (ServerSocketChannel server = listen(socket)) {
            ConsoleCapture capture = ConsoleCapture.start(socket, log, ConsoleCapture.CAP, "blocked");
            try (SocketChannel guest = server.accept()) {
                await().atMost(TIMEOUT).until(capture::connected);
                capture.close();
                assertThat(capture.running()).isFalse();
                assertThat(capture.connected()).isFalse();
                assertThat(guest.read(ByteBuffer.allocate(1))).as("the capture hung up").isEqualTo(-1);
            }
        }
    }

    @Test
    void closeEndsTheConnectionAttempts() {
        ConsoleCapture capture = ConsoleCapture.start(socket, log, ConsoleCapture.CAP, "never");
        await().during(Duration.ofMillis(400)).atMost(TIMEOUT).until(capture::running);
        capture.close();
        assertThat(capture.running()).isFalse();
        capture.close();
        assertThat(log).doesNotExist();
    }

    @Test
    void anUnwritableLogDropsOutputButTheReaderGoesOn() throws Exception {
        RecordingHandler logged = RecordingHandler.on(ConsoleCapture.class);
        long cap = 4 * 1024 * 1024;
        int flood = 2 * 1024 * 1024;
        int later = 10 * RECORD;
        Files.createDirectory(log);
        try (ServerSocketChannel server = listen(socket);
                ConsoleCapture capture = ConsoleCapture.start(socket, log, cap, "disk-full");
                SocketChannel guest = server.accept()) {
            // The socket buffers a few hundred KiB at most: this returns only because the capture reads on.
            send(guest, pattern(0, flood));
            Files.delete(log);
            send(guest, pattern(flood, later));
            await().atMost(TIMEOUT).until(() -> endsWith(bytesOf(log), pattern(flood, later)));
        } finally {
            logged.remove();
        }
        byte[] written = Files.readAllBytes(log);
        assertThat(written.length).as("what was read while the log was a directory is gone").isLessThan(flood);
        assertThat(written).isEqualTo(pattern(flood + later - written.length, written.length));
        assertThat(logged.at(Level.WARNING)).singleElement().asString().contains("cannot write");
        assertThat(logged.at(Level.INFO)).singleElement().asString().contains("again after dropping");
    }

    // ---- helpers --------------------------------------------------------------------------------

    private static ServerSocketChannel listen(Path socket) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        return server;
    }

    private static void send(SocketChannel channel, byte[] data) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(data);
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    /** The bytes at {@code [offset, offset + length)} of an endless stream of numbered lines: no two records alike. */
    private static byte[] pattern(long offset, int length) {
        byte[] out = new byte[length];
        long record = -1;
        byte[] text = null;
        for (int i = 0; i < length; i++) {
            long position = offset + i;
            if (position / RECORD != record) {
                record = position / RECORD;
                text = "%015d\n".formatted(record).getBytes(StandardCharsets.US_ASCII);
            }
            out[i] = text[(int) (position % RECORD)];
        }
        return out;
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] bytesOf(Path file) throws IOException {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return new byte[0];
        }
    }

    private static String content(Path file) throws IOException {
        return new String(bytesOf(file), StandardCharsets.UTF_8);
    }

    private static long size(Path file) throws IOException {
        try {
            return Files.size(file);
        } catch (NoSuchFileException e) {
            return 0;
        }
    }

    private static byte[] concat(byte[] first, byte[] second) {
        byte[] out = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, out, first.length, second.length);
        return out;
    }

    private static boolean endsWith(byte[] data, byte[] suffix) {
        return data.length >= suffix.length
                && Arrays.equals(data, data.length - suffix.length, data.length, suffix, 0, suffix.length);
    }

    /** Collects what one class logs, through JUL (the test JVMs' log manager is JBoss LogManager). */
    private static final class RecordingHandler extends Handler {

        private final Logger logger;
        private final List<LogRecord> records = new CopyOnWriteArrayList<>();

        private RecordingHandler(Logger logger) {
            this.logger = logger;
        }

        static RecordingHandler on(Class<?> type) {
            RecordingHandler handler = new RecordingHandler(Logger.getLogger(type.getName()));
            handler.logger.addHandler(handler);
            return handler;
        }

        /** The messages logged at exactly {@code level} (JBoss WARN is JUL WARNING, INFO is INFO). */
        List<String> at(Level level) {
            return records.stream().filter(r -> r.getLevel().intValue() == level.intValue()).map(LogRecord::getMessage).toList();
        }

        void remove() {
            logger.removeHandler(this);
        }

        @Override
        public void publish(LogRecord record) {
            records.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }
}
