package dev.celadon.reconciler.status;

import dev.celadon.hypervisor.ConsoleLog;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The rules of {@code GET /status/partitions/{name}/console}: how much of the console is asked for, and the
 * guest's bytes as the UTF-8 text the response says it is.
 */
final class ConsoleText {

    static final String PARAMETER = "bytes";
    /** Enough for a boot's messages, little enough for a glance. */
    static final int DEFAULT_BYTES = 64 * 1024;
    /** Decimal digits only: no sign, no spaces, no exponent, nothing Integer.parseInt would also take. */
    private static final Pattern DIGITS = Pattern.compile("[0-9]{1,10}");
    /** A value quoted back in an error: what was sent, cut short, never the whole of a hostile query string. */
    private static final int QUOTED = 40;

    private ConsoleText() {
    }

    /** A {@code bytes} parameter that is no count of bytes the console can give. */
    static final class BadSize extends Exception {
        private final InvalidParameter body;

        BadSize(String value) {
            super(null, null, false, false);
            String quoted = value.length() > QUOTED ? value.substring(0, QUOTED) + "…" : value;
            this.body = new InvalidParameter(PARAMETER, quoted, PARAMETER + "='" + quoted + "' is not a whole number of "
                    + "bytes from 1 to " + ConsoleLog.KEPT_BYTES + " (what a console keeps)");
        }

        InvalidParameter body() {
            return body;
        }
    }

    /** The bytes asked for by the query's {@code bytes} values: the default when there are none, one value else. */
    static int bytesAsked(List<String> values) throws BadSize {
        if (values.isEmpty()) {
            return DEFAULT_BYTES;
        }
        if (values.size() > 1) {
            throw new BadSize(String.join(",", values));
        }
        String value = values.getFirst();
        if (!DIGITS.matcher(value).matches()) {
            throw new BadSize(value);
        }
        long bytes = Long.parseLong(value);
        if (bytes < 1 || bytes > ConsoleLog.KEPT_BYTES) {
            throw new BadSize(value);
        }
        return (int) bytes;
    }

    /**
     * The console as UTF-8: a guest prints anything, and what is no UTF-8 (a binary, another charset, a
     * character cut off at the start) becomes U+FFFD, so the body is always what its content type says.
     */
    static byte[] utf8(byte[] console) {
        return new String(console, StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8);
    }
}
