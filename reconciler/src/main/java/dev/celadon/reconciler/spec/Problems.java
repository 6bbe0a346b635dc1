package dev.celadon.reconciler.spec;

import org.yaml.snakeyaml.error.Mark;

import java.util.List;

/** Where the errors of one file go; turns SnakeYAML's 0-based marks into 1-based positions. */
final class Problems {

    private final String file;
    private final List<SpecError> sink;

    Problems(String file, List<SpecError> sink) {
        this.file = file;
        this.sink = sink;
    }

    String file() {
        return file;
    }

    SourceLocation at(Mark mark) {
        return new SourceLocation(file, mark.getLine() + 1, mark.getColumn() + 1);
    }

    void report(SourceLocation at, String field, String message) {
        sink.add(SpecError.at(at, printable(field), printable(message)));
    }

    void report(Mark at, String field, String message) {
        report(at(at), field, message);
    }

    /** How many errors the whole load has so far; a document is sound when it adds none. */
    int count() {
        return sink.size();
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
