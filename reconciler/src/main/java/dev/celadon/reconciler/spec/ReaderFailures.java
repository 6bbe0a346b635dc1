package dev.celadon.reconciler.spec;

import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.events.Event;
import org.yaml.snakeyaml.parser.Parser;
import org.yaml.snakeyaml.reader.StreamReader;
import org.yaml.snakeyaml.scanner.ScannerException;

/**
 * SnakeYAML's parser, with what escapes its own error reporting made a positioned {@link ScannerException}
 * like its others: whatever it throws on a text is the text's fault to the operator, and must not end the
 * reading with a bare exception. Only the parser's own calls are wrapped; the composer's callers' are not.
 *
 * <p>Known: SnakeYAML reads the hex digits of a backslash x, u or U escape with {@code Integer.parseInt},
 * which throws a bare {@link NumberFormatException} when the text ends before any digit, or when eight digits
 * pass {@code 7FFFFFFF} (found by {@code SpecReaderFuzzTest}).
 */
final class ReaderFailures implements Parser {

    static final String BAD_ESCAPE = "a \\x, \\u or \\U escape has no hex digits before the end of the text, or names no character";

    private final Parser parser;
    private final StreamReader reader;

    ReaderFailures(Parser parser, StreamReader reader) {
        this.parser = parser;
        this.reader = reader;
    }

    @Override
    public boolean checkEvent(Event.ID choice) {
        try {
            return parser.checkEvent(choice);
        } catch (RuntimeException e) {
            throw positioned(e);
        }
    }

    @Override
    public Event peekEvent() {
        try {
            return parser.peekEvent();
        } catch (RuntimeException e) {
            throw positioned(e);
        }
    }

    @Override
    public Event getEvent() {
        try {
            return parser.getEvent();
        } catch (RuntimeException e) {
            throw positioned(e);
        }
    }

    /** SnakeYAML's own errors as they are; anything else at the reader's position, where it stopped. */
    private RuntimeException positioned(RuntimeException e) {
        if (e instanceof YAMLException) {
            return e;
        }
        if (e instanceof NumberFormatException) {
            return new ScannerException("while scanning a double-quoted scalar", null, BAD_ESCAPE, reader.getMark());
        }
        return new ScannerException(null, null, "the YAML reader failed here (" + e.getClass().getSimpleName() + ")",
                reader.getMark());
    }
}
