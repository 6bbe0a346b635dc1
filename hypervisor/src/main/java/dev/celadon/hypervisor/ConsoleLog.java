package dev.celadon.hypervisor;

import java.util.Arrays;

/**
 * The rules of a partition's serial console as every {@link Hypervisor} keeps it: whatever the guest
 * prints, bounded on disk to a log and its predecessor, each at most half of {@link #KEPT_BYTES}; a tail is
 * read across both ({@link Hypervisor#consoleTail}).
 */
public final class ConsoleLog {

    /** The most a console keeps: the log and its predecessor, each at most half of it. */
    public static final int KEPT_BYTES = 2 * 1024 * 1024;
    /** A UTF-8 character has at most this many continuation bytes after its first. */
    private static final int MAX_CONTINUATION = 3;

    private ConsoleLog() {
    }

    /** How much of a console a tail may ask for: at least one byte, at most what is kept. */
    public static void checkTailSize(int maxBytes) {
        if (maxBytes < 1 || maxBytes > KEPT_BYTES) {
            throw new IllegalArgumentException("a console tail is 1 to " + KEPT_BYTES + " bytes: " + maxBytes);
        }
    }

    /**
     * {@code tail}, the end of a console that had more before it, without the continuation bytes of a
     * character cut in two at its start: a tail begins at a character where it can. Bytes that are no UTF-8
     * at all (a guest prints anything) are left as they are; at most three bytes go.
     */
    public static byte[] fromCharacterStart(byte[] tail) {
        int start = 0;
        while (start < Math.min(MAX_CONTINUATION, tail.length) && isContinuation(tail[start])) {
            start++;
        }
        return start == 0 ? tail : Arrays.copyOfRange(tail, start, tail.length);
    }

    private static boolean isContinuation(byte b) {
        return (b & 0xC0) == 0x80;
    }
}
