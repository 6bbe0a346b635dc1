package dev.celadon.reconciler.spec;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * CPU time as written in specs, in cores: {@code 2}, {@code 0.5} or Kubernetes' millicores {@code 500m},
 * kept as millicores. A thousandth of a core is the finest step: a finer one would be silently rounded.
 */
public final class Cores {

    private static final Pattern DECIMAL = Pattern.compile("([0-9]{1,6})(?:\\.([0-9]{1,3}))?");
    private static final Pattern MILLI = Pattern.compile("([0-9]{1,9})m");

    private Cores() {
    }

    /**
     * Parses {@code 1.5} or {@code 1500m} to 1500.
     *
     * @throws IllegalArgumentException with a message fit for an operator, when the text is not a number of cores
     */
    public static int parseMillicores(String text) {
        Matcher milli = MILLI.matcher(text);
        if (milli.matches()) {
            return Integer.parseInt(milli.group(1));
        }
        Matcher decimal = DECIMAL.matcher(text);
        if (!decimal.matches()) {
            throw new IllegalArgumentException("invalid number of cores \"" + text
                    + "\": use cores such as 2 or 0.5 (at most 3 decimals), or millicores such as 500m");
        }
        String fraction = decimal.group(2) == null ? "" : decimal.group(2);
        return Integer.parseInt(decimal.group(1)) * 1000 + Integer.parseInt((fraction + "000").substring(0, 3));
    }

    /** The shortest spelling in cores: 500 → {@code 0.5}, 2000 → {@code 2}, 1250 → {@code 1.25}. */
    public static String format(int millicores) {
        String fraction = String.format("%03d", millicores % 1000).replaceAll("0+$", "");
        return millicores / 1000 + (fraction.isEmpty() ? "" : "." + fraction);
    }
}
