package dev.celadon.hypervisor.qemu;

import dev.celadon.hypervisor.PartitionName;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The uids (each worker's gid is the same number) that isolated workers run as, {@code FIRST-LAST}
 * ({@code celadon.hypervisor.worker-ids}). They must belong to no one else on the host: a file or process
 * of another account with one of them would be the worker's too.
 */
public record WorkerIdRange(int first, int last) {

    /** Above the ids Debian gives to people and system accounts (up to 59999), below nobody (65534). */
    public static final WorkerIdRange DEFAULT = new WorkerIdRange(64000, 64999);

    public WorkerIdRange {
        if (first < 1 || last < first) {
            throw new IllegalArgumentException("worker ids " + first + "-" + last + ": must be FIRST-LAST with 0 < FIRST <= LAST");
        }
    }

    /** {@code 64000-64999}; an error that says what a range looks like. */
    public static WorkerIdRange parse(String text) {
        String value = text.strip();
        if (!value.matches("[0-9]{1,10}-[0-9]{1,10}")) {
            throw new IllegalArgumentException("must be FIRST-LAST, two whole numbers, e.g. 64000-64999");
        }
        long first = Long.parseLong(value.substring(0, value.indexOf('-')));
        long last = Long.parseLong(value.substring(value.indexOf('-') + 1));
        if (first < 1 || last < first || last > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("must be FIRST-LAST with 0 < FIRST <= LAST <= " + Integer.MAX_VALUE
                    + " (0 is root), e.g. 64000-64999");
        }
        return new WorkerIdRange((int) first, (int) last);
    }

    int size() {
        return last - first + 1;
    }

    boolean contains(int id) {
        return id >= first && id <= last;
    }

    /** The partition's own id when no other partition has it: SHA-256 of the name, into the range. */
    int preferred(PartitionName name) {
        byte[] hash = Identity.digest("SHA-256", name.value().getBytes(StandardCharsets.UTF_8));
        long bits = ByteBuffer.wrap(hash, 0, 8).getLong() & Long.MAX_VALUE;
        return first + (int) (bits % size());
    }

    @Override
    public String toString() {
        return first + "-" + last;
    }
}
