package dev.celadon.reconciler.spec;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Byte quantities as written in specs: a whole number with a binary suffix ({@code Ki}, {@code Mi},
 * {@code Gi}, {@code Ti}) or plain bytes. Decimal suffixes and fractions are not accepted: sizes of
 * memory and disks are exact, and {@code 1G} vs {@code 1Gi} is a classic silent surprise.
 */
public final class Quantities {

    private static final Pattern FORMAT = Pattern.compile("([0-9]+)(Ki|Mi|Gi|Ti)?");
    private static final String[] SUFFIXES = {"Ti", "Gi", "Mi", "Ki"};
    private static final int[] SHIFTS = {40, 30, 20, 10};

    private Quantities() {
    }

    /**
     * Parses a quantity such as {@code 512Mi} or {@code 1073741824}.
     *
     * @throws IllegalArgumentException with a message fit for an operator, when the text is not a quantity
     */
    public static long parse(String text) {
        Matcher m = FORMAT.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("invalid quantity \"" + text
                    + "\": use a number with Ki, Mi, Gi or Ti, or plain bytes");
        }
        try {
            long number = Long.parseLong(m.group(1));
            return m.group(2) == null ? number : Math.multiplyExact(number, 1L << shift(m.group(2)));
        } catch (ArithmeticException | NumberFormatException tooLarge) {
            throw new IllegalArgumentException("quantity \"" + text + "\" is too large");
        }
    }

    /** The shortest exact spelling: 536870912 → {@code 512Mi}, 1073741824 → {@code 1Gi}, 1000 → {@code 1000}. */
    public static String format(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("negative quantity: " + bytes);
        }
        for (int i = 0; i < SUFFIXES.length; i++) {
            long unit = 1L << SHIFTS[i];
            if (bytes != 0 && bytes % unit == 0) {
                return bytes / unit + SUFFIXES[i];
            }
        }
        return Long.toString(bytes);
    }

    private static int shift(String suffix) {
        for (int i = 0; i < SUFFIXES.length; i++) {
            if (SUFFIXES[i].equals(suffix)) {
                return SHIFTS[i];
            }
        }
        throw new IllegalStateException(suffix);
    }
}
