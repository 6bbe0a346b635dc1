package dev.celadon.reconciler.upgrade;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Pattern;

/**
 * The file name of a Celadon boot entry in {@code EFI/Linux}: {@code celadon-VERSION.efi} when good (blessed),
 * {@code celadon-VERSION+LEFT.efi} or {@code celadon-VERSION+LEFT-DONE.efi} while on trial, systemd-boot
 * counting its tries: each boot of it renames {@code +L-D} to {@code +(L-1)-(D+1)} ({@code +3} reads as
 * {@code +3-0}), and one with no tries left sorts after all others.
 *
 * @param version    the version, which the image's os-release must carry too: never empty, no {@code +}
 *                   (systemd-boot takes the last {@code +} for the counter's), only the characters version
 *                   order reads ({@link #isValidVersion})
 * @param triesLeft  absent for a good entry
 * @param triesDone  present only when the name has {@code -DONE}; systemd-boot reads its absence as 0
 */
public record BootEntry(String version, OptionalInt triesLeft, OptionalInt triesDone) {

    private static final String PREFIX = "celadon-";
    private static final String SUFFIX = ".efi";
    private static final Pattern VERSION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9~^.-]*");

    public BootEntry {
        Objects.requireNonNull(triesLeft, "triesLeft");
        Objects.requireNonNull(triesDone, "triesDone");
        if (!isValidVersion(version)) {
            throw new IllegalArgumentException("not a boot entry version: " + version);
        }
        if (triesDone.isPresent() && triesLeft.isEmpty()) {
            throw new IllegalArgumentException("tries done without tries left");
        }
        if (triesLeft.orElse(0) < 0 || triesDone.orElse(0) < 0) {
            throw new IllegalArgumentException("negative tries");
        }
    }

    /** A good entry of {@code version}. */
    public static BootEntry of(String version) {
        return new BootEntry(version, OptionalInt.empty(), OptionalInt.empty());
    }

    /**
     * The entry a file in {@code EFI/Linux} is, read as systemd-boot 252 reads the counter
     * ({@code config_entry_parse_tries} in src/boot/efi/boot.c): the counter follows the <em>last</em>
     * {@code +}; each number is at least one ASCII digit, leading zeros allowed, at most 2^31-1; what
     * follows must be {@code .efi} in any ASCII case (since 252.29: before, only lower case; Debian 12 has
     * 252.39). Empty when the name is not a Celadon entry: another
     * prefix, a version this type refuses, or a counter systemd-boot would not read. For such a counter
     * (e.g. {@code +x}, {@code +3-}, {@code +3.1}) systemd-boot still lists the file, as a good entry with
     * a {@code +} in its name: the caller must not take the file for a boot entry it manages.
     */
    public static Optional<BootEntry> parse(String fileName) {
        if (!fileName.startsWith(PREFIX) || !endsWithIgnoringAsciiCase(fileName, SUFFIX)) {
            return Optional.empty();
        }
        int plus = fileName.lastIndexOf('+');
        if (plus < 0) {
            return entry(fileName.substring(PREFIX.length(), fileName.length() - SUFFIX.length()),
                    OptionalInt.empty(), OptionalInt.empty());
        }
        Counter left = Counter.at(fileName, plus + 1);
        if (left == null) {
            return Optional.empty();
        }
        OptionalInt done = OptionalInt.empty();
        int rest = left.end();
        if (rest < fileName.length() && fileName.charAt(rest) == '-') {
            Counter parsed = Counter.at(fileName, rest + 1);
            if (parsed == null) {
                return Optional.empty();
            }
            done = OptionalInt.of(parsed.value());
            rest = parsed.end();
        }
        // A counter in the middle of the name is no counter to systemd-boot.
        if (!equalsIgnoringAsciiCase(fileName.substring(rest), SUFFIX)) {
            return Optional.empty();
        }
        return entry(fileName.substring(PREFIX.length(), plus), OptionalInt.of(left.value()), done);
    }

    /**
     * The file name: with a lower-case {@code .efi} (as systemd-boot writes it when it counts a try) and the
     * counters without leading zeros, so the name of a parsed entry is the file's own when the file's name
     * was written that way.
     */
    public String fileName() {
        StringBuilder name = new StringBuilder(PREFIX).append(version);
        triesLeft.ifPresent(left -> name.append('+').append(left));
        triesDone.ifPresent(done -> name.append('-').append(done));
        return name.append(SUFFIX).toString();
    }

    /** This version on trial with {@code tries} boots left: what is staged for systemd-boot to try. */
    public BootEntry withTries(int tries) {
        return new BootEntry(version, OptionalInt.of(tries), OptionalInt.empty());
    }

    /** This version good: no counter, so systemd-boot no longer counts its boots. */
    public BootEntry blessed() {
        return of(version);
    }

    /** This version with no tries left: systemd-boot sorts it after every entry that has some. */
    public BootEntry demoted() {
        return withTries(0);
    }

    /** Whether systemd-boot counts this entry's boots (an exhausted one too). */
    public boolean isTrial() {
        return triesLeft.isPresent();
    }

    /** Whether this entry has no tries left: systemd-boot boots it only when no other entry has some. */
    public boolean isExhausted() {
        return triesLeft.isPresent() && triesLeft.getAsInt() == 0;
    }

    /**
     * Whether systemd-boot 252 lists {@code a} before {@code b}, and so boots {@code a} rather than
     * {@code b}, given both are Celadon images (the same os-release ID, no IMAGE_ID) whose os-release
     * version is their file name's. Its {@code config_entry_compare} (src/boot/efi/boot.c) orders:
     * <ol>
     * <li>entries with no tries left after the others;</li>
     * <li>by sort key (IMAGE_ID or ID) and machine ID: equal here;</li>
     * <li>by version, newest first ({@link BootVersions});</li>
     * <li>by id, the file name in lower case, in the same version order, highest first: so at the same
     *     version an entry on trial comes before the good one (after the version, the counter's digits are
     *     newer than the {@code .} of {@code .efi}), more tries left first, and more tries <em>done</em>
     *     first ({@code +1-3} before {@code +1-2});</li>
     * <li>more tries left first, then fewer done: never reached here, as the ids carry both counters and
     *     are equal only when the counters are.</li>
     * </ol>
     */
    public static boolean sortsBefore(BootEntry a, BootEntry b) {
        int r = Boolean.compare(a.isExhausted(), b.isExhausted());
        if (r == 0) {
            r = -BootVersions.compare(a.version, b.version);
        }
        if (r == 0) {
            r = -BootVersions.compare(toLowerAscii(a.fileName()), toLowerAscii(b.fileName()));
        }
        return r < 0;
    }

    /**
     * Whether {@code version} can name a boot entry: an ASCII letter or digit, then those and {@code ~ - ^ .}
     * (the rule of the spec's appliance version). Version order drops other characters, so two distinct
     * names would be the same version; and none of these needs quoting in a file name or on a FAT volume.
     */
    public static boolean isValidVersion(String version) {
        return version != null && VERSION.matcher(version).matches();
    }

    private static Optional<BootEntry> entry(String version, OptionalInt left, OptionalInt done) {
        return isValidVersion(version) ? Optional.of(new BootEntry(version, left, done)) : Optional.empty();
    }

    /** A counter: ASCII digits from a position, as systemd-boot's {@code parse_number16} reads them. */
    private record Counter(int value, int end) {

        /** The number at {@code start}, or null when there is no digit or it exceeds {@code INT_MAX}. */
        static Counter at(String text, int start) {
            long value = 0;
            int end = start;
            while (end < text.length() && text.charAt(end) >= '0' && text.charAt(end) <= '9') {
                value = value * 10 + (text.charAt(end) - '0');
                if (value > Integer.MAX_VALUE) {
                    return null;
                }
                end++;
            }
            return end == start ? null : new Counter((int) value, end);
        }
    }

    // systemd-boot folds case for ASCII only: Java's equalsIgnoreCase would also match e.g. ".efİ".
    private static boolean endsWithIgnoringAsciiCase(String text, String suffix) {
        return text.length() >= suffix.length()
                && equalsIgnoringAsciiCase(text.substring(text.length() - suffix.length()), suffix);
    }

    private static boolean equalsIgnoringAsciiCase(String a, String b) {
        return toLowerAscii(a).equals(toLowerAscii(b));
    }

    private static String toLowerAscii(String text) {
        StringBuilder lower = new StringBuilder(text.length());
        text.chars().forEach(c -> lower.append((char) (c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c)));
        return lower.toString();
    }
}
