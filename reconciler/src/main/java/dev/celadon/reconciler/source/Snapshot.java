package dev.celadon.reconciler.source;

import java.nio.file.Path;
import java.time.Instant;

/**
 * The outcome of a successful {@link GitSource#sync()}.
 *
 * @param revision the full SHA-1 of the commit checked out
 * @param specDir  the spec folder inside the checkout; its files are exactly that commit's and stay
 *                 untouched until the next {@code sync()}
 * @param syncedAt     when the remote was last confirmed to point at {@code revision}
 * @param verification the signature check it passed ({@code celadon.git.verify}); null while that is off
 */
public record Snapshot(String revision, Path specDir, Instant syncedAt, Verification verification) {

    /** A snapshot taken with verification off. */
    public Snapshot(String revision, Path specDir, Instant syncedAt) {
        this(revision, specDir, syncedAt, null);
    }
}
