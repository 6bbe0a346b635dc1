package dev.celadon.hypervisor.qemu;

import dev.celadon.hypervisor.ConsoleLog;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Copies a guest's serial console from QEMU's console socket into a log of bounded size: the log
 * plus one rotated predecessor ({@code <log>.1}), each at most the cap, read one after the other
 * as one stream ({@link #tail} reads its end). One virtual thread per capture; it ends at EOF (QEMU is gone)
 * or on {@link #close()}.
 *
 * <p>The reader never stops for a failing disk: QEMU drops serial output its client does not take,
 * so a reader that stopped would only stall the guest's serial port, and the state dir's space is
 * exactly what may have run out. What cannot be written is dropped.
 */
final class ConsoleCapture implements AutoCloseable {

    /** The production cap of the log and of its predecessor: the console costs at most twice this. */
    static final long CAP = ConsoleLog.KEPT_BYTES / 2;
    /** Reads of a tail that met a rotation each time give up after this many and read what is there. */
    private static final int TAIL_ATTEMPTS = 10;

    private static final Logger LOG = Logger.getLogger(ConsoleCapture.class);
    private static final int READ_BUFFER = 16 * 1024;
    /** QEMU creates the socket shortly after it starts; until then the capture keeps knocking. */
    private static final Duration CONNECT_RETRY = Duration.ofMillis(150);
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(2);

    private final Path socket;
    private final Path log;
    private final Path rotated;
    private final long cap;
    private final String label;
    private final Thread thread;
    /** Open once {@link #close()} was called: wakes the thread between connection attempts. */
    private final CountDownLatch closing = new CountDownLatch(1);
    /** Published before connecting, so that {@link #close()} can end a connect or read that blocks on it. */
    private SocketChannel channel;

    // Only the capture thread touches these.
    private FileChannel out;
    private long size;
    private long dropped;

    private ConsoleCapture(Path socket, Path log, long cap, String label) {
        this.socket = socket;
        this.log = log;
        this.rotated = rotated(log);
        this.cap = cap;
        this.label = label;
        this.thread = Thread.ofVirtual().name("console " + label).unstarted(this::run);
    }

    /**
     * Starts capturing {@code socket} into {@code log}, appending to what is there already (a
     * restarted reconciler re-attaching to a running worker).
     */
    static ConsoleCapture start(Path socket, Path log, long capBytes, String label) {
        if (capBytes <= 0) {
            throw new IllegalArgumentException("cap must be positive: " + capBytes);
        }
        ConsoleCapture capture = new ConsoleCapture(socket, log, capBytes, label);
        capture.thread.start();
        return capture;
    }

    /** The predecessor of {@code log}: what it held before its last rotation. */
    static Path rotated(Path log) {
        return log.resolveSibling(log.getFileName() + ".1");
    }

    /**
     * The last {@code maxBytes} of the console captured into {@code log}, its predecessor's bytes first,
     * while a capture may be writing and rotating it: reads only. Both files are opened before either is
     * read (an open file outlives its rename), and opened again when the log was rotated in between, which
     * would pair a predecessor with the wrong log.
     */
    static byte[] tail(Path log, int maxBytes) throws IOException {
        ConsoleLog.checkTailSize(maxBytes);
        Path older = rotated(log);
        for (int attempt = 1; ; attempt++) {
            Object before = fileKey(log);
            try (FileChannel first = openIfExists(older); FileChannel second = openIfExists(log)) {
                if (attempt == TAIL_ATTEMPTS || Objects.equals(before, fileKey(log))) {
                    return tail(first, second, maxBytes);
                }
            }
        }
    }

    private static byte[] tail(FileChannel first, FileChannel second, int maxBytes) throws IOException {
        long firstSize = first == null ? 0 : first.size();
        long secondSize = second == null ? 0 : second.size();
        long skip = Math.max(0, firstSize + secondSize - maxBytes);
        ByteBuffer tail = ByteBuffer.allocate((int) (firstSize + secondSize - skip));
        if (skip < firstSize) {
            readFully(first, skip, firstSize, tail);
        }
        if (second != null) {
            readFully(second, Math.max(0, skip - firstSize), secondSize, tail);
        }
        // Short only if a file was cut between its size and its read, which the capture never does.
        byte[] bytes = tail.hasRemaining() ? Arrays.copyOf(tail.array(), tail.position()) : tail.array();
        return skip > 0 ? ConsoleLog.fromCharacterStart(bytes) : bytes;
    }

    /** Bytes {@code from} up to {@code to} (a size taken before: the log may grow meanwhile), or until EOF. */
    private static void readFully(FileChannel channel, long from, long to, ByteBuffer into) throws IOException {
        long position = from;
        while (position < to && into.hasRemaining()) {
            int read = channel.read(into, position);
            if (read < 0) {
                return;
            }
            position += read;
        }
    }

    private static FileChannel openIfExists(Path file) throws IOException {
        try {
            return FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    private static Object fileKey(Path file) throws IOException {
        try {
            return Files.readAttributes(file, BasicFileAttributes.class).fileKey();
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** Whether the capture is connected to the socket now. */
    synchronized boolean connected() {
        return channel != null && channel.isConnected();
    }

    /** Whether the capture thread still runs: false once QEMU closed the console or after {@link #close()}. */
    boolean running() {
        return thread.isAlive();
    }

    /** Ends the capture, even in a blocked read or between connection attempts, and waits briefly for its thread. */
    @Override
    public void close() {
        SocketChannel current;
        synchronized (this) {
            closing.countDown();
            current = channel;
        }
        closeQuietly(current);
        try {
            thread.join(CLOSE_WAIT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        try {
            SocketChannel connection = connect();
            if (connection != null) {
                pump(connection);
            }
        } finally {
            closeQuietly(out);
        }
    }

    /** Returns the connection, or null once closed. */
    private SocketChannel connect() {
        boolean reported = false;
        do {
            try {
                return tryConnect();
            } catch (IOException e) {
                if (!reported) {
                    LOG.debugf("Console %s: cannot connect to %s yet (%s); retrying", label, socket, e.getMessage());
                    reported = true;
                }
            }
        } while (!awaitClosing(CONNECT_RETRY));
        return null;
    }

    /** Returns the connection, or null once closed; fails while QEMU is not listening (yet). */
    private SocketChannel tryConnect() throws IOException {
        SocketChannel connection = SocketChannel.open(StandardProtocolFamily.UNIX);
        if (!publish(connection)) {
            connection.close();
            return null;
        }
        try {
            connection.connect(UnixDomainSocketAddress.of(socket));
            return connection;
        } catch (IOException e) {
            unpublish();
            connection.close();
            throw e;
        }
    }

    /** Publishes the channel before it is used, so that a concurrent close() either sees it or is seen here. */
    private synchronized boolean publish(SocketChannel connection) {
        if (isClosing()) {
            return false;
        }
        channel = connection;
        return true;
    }

    private synchronized void unpublish() {
        channel = null;
    }

    private boolean isClosing() {
        return closing.getCount() == 0;
    }

    private boolean awaitClosing(Duration timeout) {
        try {
            return closing.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            // Nobody else interrupts a capture's thread: take it as a request to stop.
            return true;
        }
    }

    private void pump(SocketChannel connection) {
        ByteBuffer buffer = ByteBuffer.allocateDirect(READ_BUFFER);
        try (connection) {
            while (connection.read(buffer) >= 0) {
                buffer.flip();
                append(buffer);
                buffer.clear();
            }
            LOG.debugf("Console %s: QEMU closed the console", label);
        } catch (IOException e) {
            if (!isClosing()) {
                LOG.debugf("Console %s: read failed: %s", label, e.getMessage());
            }
        } finally {
            unpublish();
        }
    }

    private void append(ByteBuffer data) {
        if (data.remaining() > cap) {
            // Only the tail fits; it is the part anyone reading the console wants.
            data.position((int) (data.limit() - cap));
        }
        int length = data.remaining();
        try {
            write(data);
            recovered();
        } catch (IOException e) {
            failed(e, length);
        }
    }

    private void write(ByteBuffer data) throws IOException {
        if (out == null) {
            open();
        }
        if (size + data.remaining() > cap) {
            rotate();
        }
        while (data.hasRemaining()) {
            size += out.write(data);
        }
    }

    private void open() throws IOException {
        out = FileChannel.open(log, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        size = out.size();
    }

    private void rotate() throws IOException {
        closeOut();
        if (size > cap) {
            keepTail();
        } else {
            Files.move(log, rotated, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        open();
    }

    /**
     * A log over the cap was not written under this cap (an older, unbounded console, or a larger
     * cap): only its last {@code cap} bytes become the predecessor, so that this one is bounded too.
     */
    private void keepTail() throws IOException {
        Path partial = log.resolveSibling(log.getFileName() + ".1.partial");
        try (FileChannel from = FileChannel.open(log, StandardOpenOption.READ);
                FileChannel to = FileChannel.open(partial, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING)) {
            long position = from.size() - cap;
            while (position < from.size()) {
                position += from.transferTo(position, from.size() - position, to);
            }
        }
        Files.move(partial, rotated, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Files.delete(log);
    }

    private void failed(IOException e, int length) {
        // Whatever state the file is in, the next write starts again from what is on disk.
        closeOut();
        if (dropped == 0) {
            LOG.warnf("Console %s: cannot write %s (%s); dropping console output until it works again", label, log,
                    e.getMessage());
        }
        dropped += length;
    }

    private void recovered() {
        if (dropped > 0) {
            LOG.infof("Console %s: writing %s again after dropping %d bytes", label, log, dropped);
            dropped = 0;
        }
    }

    private void closeOut() {
        closeQuietly(out);
        out = null;
    }

    private static void closeQuietly(AutoCloseable closeable) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (Exception ignored) {
            // Nothing is left to do with a channel that fails even to close.
        }
    }
}
