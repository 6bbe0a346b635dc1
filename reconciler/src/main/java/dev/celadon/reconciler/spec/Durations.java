package dev.celadon.reconciler.spec;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as written in specs, Go/Kubernetes style: one or more whole numbers each with a unit,
 * {@code ms}, {@code s}, {@code m} or {@code h}, largest first, e.g. {@code 30s}, {@code 500ms},
 * {@code 1m30s}.
 */
public final class Durations {

    /** Each unit at most once, largest first, so {@code 5s1h} and {@code 1s1s} are typos rather than sums. */
    private static final Pattern FORMAT = Pattern.compile("(?=[0-9])(?:([0-9]+)h)?(?:([0-9]+)m)?(?:([0-9]+)s)?(?:([0-9]+)ms)?");
    private static final String[] UNITS = {"h", "m", "s", "ms"};
    private static final long[] MILLIS = {3_600_000L, 60_000L, 1_000L, 1L};

    private Durations() {
    }

    /**
     * Parses a duration such as {@code 30s}.
     *
     * @throws IllegalArgumentException with a message fit for an operator, when the text is not a duration
     */
    public static Duration parse(String text) {
        Matcher m = FORMAT.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("invalid duration \"" + text
                    + "\": use whole numbers with h, m, s or ms, largest first, e.g. 30s, 500ms or 1m30s");
        }
        long millis = 0;
        try {
            for (int i = 0; i < UNITS.length; i++) {
                if (m.group(i + 1) != null) {
                    millis = Math.addExact(millis, Math.multiplyExact(Long.parseLong(m.group(i + 1)), MILLIS[i]));
                }
            }
        } catch (ArithmeticException | NumberFormatException tooLong) {
            throw new IllegalArgumentException("duration \"" + text + "\" is too long");
        }
        return Duration.ofMillis(millis);
    }

    /** The canonical spelling, to the millisecond: 90 s → {@code 1m30s}, 0 → {@code 0s}. */
    public static String format(Duration duration) {
        long millis = duration.toMillis();
        if (millis < 0) {
            throw new IllegalArgumentException("negative duration: " + duration);
        }
        if (millis == 0) {
            return "0s";
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < UNITS.length; i++) {
            long count = millis / MILLIS[i];
            if (count > 0) {
                out.append(count).append(UNITS[i]);
                millis -= count * MILLIS[i];
            }
        }
        return out.toString();
    }
}
