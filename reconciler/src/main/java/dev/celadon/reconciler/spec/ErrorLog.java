package dev.celadon.reconciler.spec;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * The errors of one revision as they are reported. The first {@link InputLimits#MAX_ERRORS} are kept; the
 * next one becomes a note that reading stopped there, and the reader stops at the end of that document.
 */
final class ErrorLog {

    private final List<SpecError> kept = new ArrayList<>();
    private int reported;

    void add(SpecError error) {
        reported++;
        if (reported <= InputLimits.MAX_ERRORS) {
            kept.add(error);
        } else if (reported == InputLimits.MAX_ERRORS + 1) {
            kept.add(new SpecError(error.file(), error.line(), error.column(), "", String.format(Locale.ROOT,
                    "more than %,d errors: the first %,d are listed, and the revision is read no further",
                    InputLimits.MAX_ERRORS, InputLimits.MAX_ERRORS)));
        }
    }

    /** Every error reported so far, kept or not: a document is sound when it adds none. */
    int reported() {
        return reported;
    }

    boolean full() {
        return reported > InputLimits.MAX_ERRORS;
    }

    /** By file, line and column, the order a committer fixes them in. */
    List<SpecError> sorted() {
        return kept.stream().sorted(Comparator.comparing(SpecError::file)
                .thenComparingInt(SpecError::line)
                .thenComparingInt(SpecError::column)
                .thenComparing(SpecError::field)
                .thenComparing(SpecError::message)).toList();
    }
}
