package dev.celadon.reconciler.status;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.jboss.logging.Logger;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.List;

/**
 * The history on disk, so it outlives a restart: one JSON event per line, appended as events happen. It is
 * bounded: once it holds twice the events kept, it is rewritten with only those (to a temporary file, flushed
 * and renamed into place, as the ledger is), so it never exceeds {@code 2 × retained} lines of at most
 * {@link #MAX_LINE} bytes. Appends are not flushed to the disk one by one (the loop records thousands in a
 * pass over a big fleet): a crash of the reconciler loses nothing written, one of the machine at most the
 * last events.
 *
 * <p>Reading it back is never fatal: a line cut short by a crash mid-write, or zeros a power cut left at the
 * end, or any line that is no whole event, is dropped with a warning, and the file is rewritten without it
 * before anything is appended. Only the end of a file that grew too big by some accident is read, line by
 * line, so a start never reads more than it keeps. Used under its {@link EventHistory}'s lock only.
 */
final class EventFile {

    private static final Logger LOG = Logger.getLogger(EventFile.class);

    /**
     * The longest line: an event's free text is at most {@link Event#MAX_MESSAGE} + 5 × {@link Event#MAX_FIELD}
     * characters, each at most 6 bytes as escaped JSON, plus its numbers and names.
     */
    static final int MAX_LINE = 16 * 1024;

    private final Path file;
    private final int retained;
    private final ObjectMapper mapper;
    /** Lines in the file now; at {@code 2 × retained} it is rewritten. */
    private int lines;
    private boolean writeFailing;

    EventFile(Path file, int retained, ObjectMapper mapper) {
        this.file = file;
        this.retained = retained;
        this.mapper = mapper;
    }

    /** The last {@code retained} whole events of the file, oldest first; empty when there is none. */
    List<Event> load() {
        try {
            Files.deleteIfExists(temporary());
        } catch (IOException e) {
            LOG.debugf("cannot remove %s (the next rewrite replaces it): %s", temporary(), e.getMessage());
        }
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            return List.of();
        }
        Read read;
        try {
            read = read();
        } catch (IOException e) {
            LOG.warnf("cannot read the event history %s (%s): it starts empty", file, e.getMessage());
            read = new Read(new ArrayDeque<>(), 1, true);
        }
        List<Event> kept = List.copyOf(read.events());
        if (read.dropped() > 0) {
            LOG.warnf("the event history %s had %d line(s) that are no whole event (a write cut short by a crash):"
                    + " dropped", file, read.dropped());
        }
        lines = read.lines();
        if (read.dropped() > 0 || read.skippedStart() || read.lines() > kept.size()) {
            rewrite(kept);
        }
        return kept;
    }

    /** Appends one event; {@code kept} is every event retained now, this one included, for a rewrite. */
    void append(Event event, Collection<Event> kept) {
        if (lines + 1 >= 2 * retained) {
            rewrite(kept);
            return;
        }
        try {
            Files.createDirectories(file.getParent());
            try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND)) {
                write(out, line(event));
            }
            lines++;
            writeSucceeded();
        } catch (IOException e) {
            writeFailed(e);
        }
    }

    /** Replaces the file whole with {@code events}: the old or the new one survives a crash, never half. */
    private void rewrite(Collection<Event> events) {
        try {
            Files.createDirectories(file.getParent());
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            for (Event event : events) {
                all.write(line(event));
            }
            try (FileChannel out = FileChannel.open(temporary(), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                write(out, all.toByteArray());
                out.force(true);
            }
            Files.move(temporary(), file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            try (FileChannel folder = FileChannel.open(file.getParent(), StandardOpenOption.READ)) {
                folder.force(true);
            }
            lines = events.size();
            writeSucceeded();
        } catch (IOException e) {
            writeFailed(e);
        }
    }

    /** One event as a line; an event whose escaped text would pass {@link #MAX_LINE} loses its message. */
    private byte[] line(Event event) throws IOException {
        byte[] json = mapper.writeValueAsBytes(event);
        if (json.length >= MAX_LINE) {
            json = mapper.writeValueAsBytes(new Event(event.id(), event.at(), event.type(), event.partition(),
                    event.revision(), event.action(), event.reason(), "(message too long to keep)",
                    event.durationMillis()));
        }
        byte[] line = new byte[json.length + 1];
        System.arraycopy(json, 0, line, 0, json.length);
        line[json.length] = '\n';
        return line;
    }

    private static void write(FileChannel out, byte[] bytes) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
            out.write(buffer);
        }
    }

    /**
     * @param lines        whole lines read (good or not), to know whether the file holds more than it keeps
     * @param dropped      lines that are no whole event, a last one without its newline included
     * @param skippedStart the file was bigger than it can be and only its end was read
     */
    private record Read(ArrayDeque<Event> events, int lines, int dropped, boolean skippedStart) {
        Read(ArrayDeque<Event> events, int dropped, boolean skippedStart) {
            this(events, 0, dropped, skippedStart);
        }
    }

    private Read read() throws IOException {
        long most = (2L * retained + 1) * MAX_LINE;
        ArrayDeque<Event> events = new ArrayDeque<>();
        int lines = 0;
        int dropped = 0;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            boolean skippedStart = size > most;
            channel.position(skippedStart ? size - most : 0);
            LineReader reader = new LineReader(Channels.newInputStream(channel));
            if (skippedStart) {
                reader.next(); // the rest of a line whose start was skipped
            }
            byte[] line;
            while ((line = reader.next()) != null) {
                lines++;
                Event event = reader.lastEnded() ? parse(line) : null;
                if (event == null) {
                    dropped++;
                    continue;
                }
                events.addLast(event);
                if (events.size() > retained) {
                    events.removeFirst();
                }
            }
            return new Read(events, lines, dropped, skippedStart);
        }
    }

    private Event parse(byte[] line) {
        try {
            Event event = mapper.readValue(line, Event.class);
            return event != null && event.whole() ? event : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private Path temporary() {
        return file.resolveSibling(file.getFileName() + ".tmp");
    }

    private void writeSucceeded() {
        if (writeFailing) {
            LOG.infof("the event history %s is written again", file);
            writeFailing = false;
        }
    }

    private void writeFailed(IOException e) {
        if (!writeFailing) {
            LOG.warnf("cannot write the event history %s: %s; events are kept in memory until a write succeeds",
                    file, e.getMessage());
            writeFailing = true;
        }
    }

    /**
     * Lines of at most {@link #MAX_LINE} bytes: a longer one is returned empty (so it is dropped) without being
     * held, however long it runs.
     */
    private static final class LineReader {
        private final InputStream in;
        private final byte[] buffer = new byte[64 * 1024];
        private int position;
        private int limit;
        private boolean ended;

        LineReader(InputStream in) {
            this.in = in;
        }

        /** The next line without its newline, or null at the end of the file. */
        byte[] next() throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            boolean tooLong = false;
            boolean any = false;
            while (true) {
                if (position == limit) {
                    limit = in.read(buffer);
                    position = 0;
                    if (limit <= 0) {
                        limit = 0;
                        ended = false;
                        return any ? (tooLong ? new byte[0] : line.toByteArray()) : null;
                    }
                }
                any = true;
                int start = position;
                while (position < limit && buffer[position] != '\n') {
                    position++;
                }
                if (!tooLong) {
                    line.write(buffer, start, position - start);
                    if (line.size() > MAX_LINE) {
                        tooLong = true;
                        line = new ByteArrayOutputStream();
                    }
                }
                if (position < limit) {
                    position++; // the newline
                    ended = true;
                    return tooLong ? new byte[0] : line.toByteArray();
                }
            }
        }

        /** Whether the line {@link #next} returned last ended with a newline (else a write was cut short). */
        boolean lastEnded() {
            return ended;
        }
    }
}
