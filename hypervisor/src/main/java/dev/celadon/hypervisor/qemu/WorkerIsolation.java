package dev.celadon.hypervisor.qemu;

import java.util.Locale;
import java.util.Objects;

/**
 * How workers are fenced off from the host and from each other ({@code celadon.hypervisor.*}).
 *
 * @param mode           {@link Mode#USER}: each worker under its own uid and gid, without capabilities; {@link Mode#NONE}: as root
 * @param ids            the uids (and gids) workers get in mode USER
 * @param memoryOverhead bytes a worker may use beyond its guest's memory (QEMU itself, TCG's code cache, I/O
 *                       buffers) before cgroup v2's {@code memory.max} stops it
 * @param pidsMax        the most tasks (QEMU's threads) a worker may have, cgroup v2's {@code pids.max}
 */
public record WorkerIsolation(Mode mode, WorkerIdRange ids, long memoryOverhead, int pidsMax) {

    public enum Mode {
        /** As root with every capability, QEMU's seccomp filter the only fence: for hosts where USER cannot work. */
        NONE,
        /** Own uid/gid per worker, no capabilities, NoNewPrivs, private files. */
        USER;

        public static Mode parse(String text) {
            return switch (text.strip().toLowerCase(Locale.ROOT)) {
                case "none" -> NONE;
                case "user" -> USER;
                default -> throw new IllegalArgumentException("must be none or user");
            };
        }

        public String value() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * QEMU itself, its I/O threads and, under TCG, the part of its translation cache in use (up to 1 GiB in
     * QEMU 7.2, touched only as guest code is translated): not measured per guest yet, so generous.
     */
    public static final long DEFAULT_MEMORY_OVERHEAD = 512L << 20;
    public static final int DEFAULT_PIDS_MAX = 1024;
    /** Today's behaviour: the library's default; the reconciler's is {@code user} (CeladonConfig). */
    public static final WorkerIsolation NONE = new WorkerIsolation(Mode.NONE, WorkerIdRange.DEFAULT, DEFAULT_MEMORY_OVERHEAD,
            DEFAULT_PIDS_MAX);

    public WorkerIsolation {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(ids, "ids");
        if (memoryOverhead < 0) {
            throw new IllegalArgumentException("memory overhead must not be negative");
        }
        if (pidsMax < 1) {
            throw new IllegalArgumentException("pids max must be at least 1");
        }
    }

    public WorkerIsolation withMode(Mode value) {
        return new WorkerIsolation(value, ids, memoryOverhead, pidsMax);
    }
}
