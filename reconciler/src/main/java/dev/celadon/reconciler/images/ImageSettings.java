package dev.celadon.reconciler.images;

import dev.celadon.hypervisor.ImageCache;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How images are fetched: where they go, where {@code file://} URLs may point, the size cap, credentials,
 * an optional CA bundle, and how long a server may keep us waiting.
 *
 * @param hypervisorStateDir the hypervisor's state dir: the cache is {@link ImageCache#dir} under it, where the
 *                     hypervisor opens what is written, and its kept disks hold on to their bases
 * @param imagesDirs   {@code file://} URLs must resolve (symlinks followed) to a file under one of these
 * @param maxBytes     the most bytes an image may have, as served and as decompressed
 * @param retention    how long an image no spec or disk needs stays cached
 * @param connectTimeout how long a connection and the answer's headers may take
 * @param stallTimeout how long a transfer may go without a byte before it counts as broken
 * @param threads      downloads at a time; more wait their turn
 */
public record ImageSettings(Path hypervisorStateDir, List<Path> imagesDirs, long maxBytes, Duration retention,
                            List<ImageCredentials> credentials, Optional<Path> caFile, Duration connectTimeout,
                            Duration stallTimeout, int threads) {

    public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration STALL_TIMEOUT = Duration.ofSeconds(60);
    public static final int THREADS = 2;

    public ImageSettings {
        Objects.requireNonNull(hypervisorStateDir, "hypervisorStateDir");
        imagesDirs = List.copyOf(imagesDirs);
        credentials = List.copyOf(credentials);
        Objects.requireNonNull(caFile, "caFile");
        Objects.requireNonNull(retention, "retention");
    }

    public Path cacheDir() {
        return ImageCache.dir(hypervisorStateDir);
    }
}
