package dev.celadon.reconciler.upgrade;

import java.util.function.Predicate;

/**
 * Version order as systemd-boot sees it: a port of systemd's {@code strverscmp_improved}
 * (src/fundamental/string-util-fundamental.c as of v252.31), which the UAPI "Version Format Specification"
 * describes. systemd-boot 252 sorts boot entries by it, newest first, so Celadon must order versions
 * exactly as it does to know which image it boots.
 *
 * <p>A version is cut into segments: a run of ASCII digits or a run of ASCII letters, each optionally
 * after one of {@code ~ - ^ .}. Characters other than those are dropped (they only separate segments).
 * Segment by segment: after {@code ~} is older than anything, the end of the string included
 * ({@code 1~rc1} is before {@code 1}); then the string that ended is older; then after {@code -} is older
 * than the rest, then after {@code ^}, then after {@code .}, and no prefix is newest ({@code 1-a < 1^a <
 * 1.a < 1a}); numbers are newer than letters and compare by value (leading zeros ignored); letters
 * compare by ASCII code, a longer run being newer when one is a prefix of the other.
 */
public final class BootVersions {

    /** The character systemd's C strings end with; a NUL inside a Java string ends it the same way. */
    private static final char END = '\0';
    /** The segment prefixes after '~', each older than those after it and than none. */
    private static final char[] PREFIXES = {'-', '^', '.'};

    private BootVersions() {
    }

    /**
     * Compares two versions as systemd-boot does: -1 when {@code a} is older, 0 when they are equal (which
     * includes versions that differ only in dropped characters or leading zeros), 1 when {@code a} is newer.
     * A null version is the empty one, as systemd-boot treats an entry without a version.
     */
    public static int compare(String a, String b) {
        Cursor x = new Cursor(a == null ? "" : a);
        Cursor y = new Cursor(b == null ? "" : b);
        for (;;) {
            x.skipInvalid();
            y.skipInvalid();

            // A pre-release marker: checked before the end, so that "1~rc1" is older than "1".
            if (x.at() == '~' || y.at() == '~') {
                int r = Integer.compare(flag(x.at() != '~'), flag(y.at() != '~'));
                if (r != 0) {
                    return r;
                }
                x.advance();
                y.advance();
            }

            // More segments make a newer version; the character compare only yields the sign here, as one
            // side is the end and the other a character (after '~' even an invalid one: systemd does not
            // skip those again; its UTF-16 characters are unsigned, as Java's are).
            if (x.at() == END || y.at() == END) {
                return Integer.compare(x.at(), y.at());
            }

            // Each prefix in turn: the string that has it is the older one, else both drop it.
            for (char prefix : PREFIXES) {
                if (x.at() == prefix || y.at() == prefix) {
                    int r = Integer.compare(flag(x.at() != prefix), flag(y.at() != prefix));
                    if (r != 0) {
                        return r;
                    }
                    x.advance();
                    y.advance();
                }
            }

            int r = isDigit(x.at()) || isDigit(y.at()) ? compareNumbers(x, y) : compareLetters(x, y);
            if (r != 0) {
                return r;
            }
        }
    }

    /**
     * Compares the digit runs at both cursors, moving both past them: a number is newer than none (so
     * numbers are newer than letters), then the one with more significant digits, then digit by digit.
     */
    private static int compareNumbers(Cursor x, Cursor y) {
        int endX = x.runEnd(BootVersions::isDigit);
        int endY = y.runEnd(BootVersions::isDigit);
        int r = Integer.compare(flag(endX != x.position), flag(endY != y.position));
        if (r != 0) {
            return r;
        }
        x.skipZeros();
        y.skipZeros();
        r = Integer.compare(endX - x.position, endY - y.position);
        if (r == 0) {
            r = Integer.signum(x.text.substring(x.position, endX).compareTo(y.text.substring(y.position, endY)));
        }
        x.position = endX;
        y.position = endY;
        return r;
    }

    /**
     * Compares the letter runs at both cursors (either may be empty), moving both past them: by character
     * over the shorter length, then the longer run is newer.
     */
    private static int compareLetters(Cursor x, Cursor y) {
        int endX = x.runEnd(BootVersions::isLetter);
        int endY = y.runEnd(BootVersions::isLetter);
        int common = Math.min(endX - x.position, endY - y.position);
        int r = Integer.signum(x.text.substring(x.position, x.position + common)
                .compareTo(y.text.substring(y.position, y.position + common)));
        if (r == 0) {
            r = Integer.compare(endX - x.position, endY - y.position);
        }
        x.position = endX;
        y.position = endY;
        return r;
    }

    private static int flag(boolean value) {
        return value ? 1 : 0;
    }

    // ASCII only, as systemd's ascii_isdigit and ascii_isalpha: other scripts' digits and letters are dropped.
    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isLetter(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    private static boolean isValid(char c) {
        return isDigit(c) || isLetter(c) || c == '~' || c == '-' || c == '^' || c == '.';
    }

    /** A position in a version string, reading {@link #END} past its end as C reads the terminating NUL. */
    private static final class Cursor {
        final String text;
        int position;

        Cursor(String text) {
            this.text = text;
        }

        char at() {
            return position < text.length() ? text.charAt(position) : END;
        }

        void advance() {
            position++;
        }

        void skipInvalid() {
            while (at() != END && !isValid(at())) {
                position++;
            }
        }

        void skipZeros() {
            while (at() == '0') {
                position++;
            }
        }

        /** Where the run of characters matching {@code kind} that starts here ends. */
        int runEnd(Predicate<Character> kind) {
            int end = position;
            while (end < text.length() && kind.test(text.charAt(end))) {
                end++;
            }
            return end;
        }
    }
}
