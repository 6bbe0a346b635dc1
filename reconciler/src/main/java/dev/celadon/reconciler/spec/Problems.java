package dev.celadon.reconciler.spec;

import org.yaml.snakeyaml.error.Mark;

/** Where the errors of one file go; turns SnakeYAML's 0-based marks into 1-based positions. */
final class Problems {

    private static final String ELLIPSIS = " ... ";

    private final String file;
    private final ErrorLog log;

    Problems(String file, ErrorLog log) {
        this.file = file;
        this.log = log;
    }

    String file() {
        return file;
    }

    SourceLocation at(Mark mark) {
        return new SourceLocation(file, mark.getLine() + 1, mark.getColumn() + 1);
    }

    void report(SourceLocation at, String field, String message) {
        log.add(SpecError.at(at, shown(field), shown(message)));
    }

    void report(Mark at, String field, String message) {
        report(at(at), field, message);
    }

    /** How many errors the whole load has so far; a document is sound when it adds none. */
    int count() {
        return log.reported();
    }

    /** A field path or message as an error shows it: on one line, and short. */
    private static String shown(String text) {
        return printable(shortened(text));
    }

    /**
     * At most {@link InputLimits#MAX_MESSAGE_CHARS}: the start (what was found) and the end (what to write
     * instead) of a message around the middle of a long value it quotes.
     */
    private static String shortened(String text) {
        if (text.length() <= InputLimits.MAX_MESSAGE_CHARS) {
            return text;
        }
        int half = (InputLimits.MAX_MESSAGE_CHARS - ELLIPSIS.length()) / 2;
        int headEnd = Character.isHighSurrogate(text.charAt(half - 1)) ? half - 1 : half;
        int tailStart = text.length() - half;
        if (Character.isLowSurrogate(text.charAt(tailStart))) {
            tailStart++;
        }
        return text.substring(0, headEnd) + ELLIPSIS + text.substring(tailStart);
    }

    /** Control characters from a spec (a quoted "\n" in a name) would break the one-line format. */
    private static String printable(String text) {
        if (!PathRules.hasControlCharacter(text)) {
            return text;
        }
        StringBuilder out = new StringBuilder();
        text.chars().forEach(c -> out.append(c < 0x20 || c == 0x7f ? "\\x%02x".formatted(c) : String.valueOf((char) c)));
        return out.toString();
    }
}
