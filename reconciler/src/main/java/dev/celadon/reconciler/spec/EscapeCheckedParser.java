package dev.celadon.reconciler.spec;

import org.yaml.snakeyaml.events.Event;
import org.yaml.snakeyaml.parser.Parser;
import org.yaml.snakeyaml.reader.StreamReader;
import org.yaml.snakeyaml.scanner.ScannerException;

/**
 * SnakeYAML's parser, with the one way a double-quoted scalar escapes its error reporting made a
 * positioned {@link ScannerException} like its others. SnakeYAML reads the hex digits of a backslash
 * x, u or U escape with {@code Integer.parseInt}, which throws a bare
 * {@link NumberFormatException} when the text ends before any digit, or when eight digits pass
 * {@code 7FFFFFFF}. Only exceptions from the parser itself are turned; the composer's callers' are not.
 */
final class EscapeCheckedParser implements Parser {

    static final String PROBLEM = "a \\x, \\u or \\U escape has no hex digits before the end of the text, or names no character";

    private final Parser parser;
    private final StreamReader reader;

    EscapeCheckedParser(Parser parser, StreamReader reader) {
        this.parser = parser;
        this.reader = reader;
    }

    @Override
    public boolean checkEvent(Event.ID choice) {
        try {
            return parser.checkEvent(choice);
        } catch (NumberFormatException e) {
            throw positioned();
        }
    }

    @Override
    public Event peekEvent() {
        try {
            return parser.peekEvent();
        } catch (NumberFormatException e) {
            throw positioned();
        }
    }

    @Override
    public Event getEvent() {
        try {
            return parser.getEvent();
        } catch (NumberFormatException e) {
            throw positioned();
        }
    }

    /** The reader stands just past the escape's letter, where the digits should be. */
    private ScannerException positioned() {
        return new ScannerException("while scanning a double-quoted scalar", null, PROBLEM, reader.getMark());
    }
}
