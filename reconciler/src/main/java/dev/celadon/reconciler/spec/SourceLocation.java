package dev.celadon.reconciler.spec;

/** A position in a spec file: the file relative to the spec folder, 1-based line and column. */
public record SourceLocation(String file, int line, int column) {

    @Override
    public String toString() {
        return file + ":" + line + ":" + column;
    }
}
