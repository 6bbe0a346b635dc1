package dev.celadon.reconciler.images;

import java.time.Instant;

/** Where the image of one checksum stands, for the {@code ImageReady} condition. */
public sealed interface ImageState {

    /** Verified and in the cache. */
    record Ready() implements ImageState {
    }

    /** Being fetched: bytes as served so far, of {@code total} (-1 when the server does not say), and the rate. */
    record Downloading(long done, long total, long bytesPerSecond) implements ImageState {
    }

    /** The last attempt failed; the next is not before {@code retryAt}. */
    record Failed(ImageFailure.Reason reason, String message, int attempts, Instant retryAt) implements ImageState {
    }

    /** Not fetched yet, and not being fetched (waiting for a download thread). */
    record Queued() implements ImageState {
    }
}
