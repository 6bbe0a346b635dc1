package dev.celadon.reconciler.spec;

/**
 * One problem in a spec file.
 *
 * @param field the dotted path of the field at fault, e.g. {@code spec.disks[1].size};
 *              empty for problems of the document as a whole
 */
public record SpecError(String file, int line, int column, String field, String message) {

    public static SpecError at(SourceLocation where, String field, String message) {
        return new SpecError(where.file(), where.line(), where.column(), field, message);
    }

    /** {@code FILE:LINE:COLUMN: FIELD.PATH: message}, the one format every error is reported in. */
    @Override
    public String toString() {
        return file + ":" + line + ":" + column + ": " + (field.isEmpty() ? "" : field + ": ") + message;
    }
}
