package dev.celadon.reconciler.images;

import dev.celadon.hypervisor.ImageCache;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class ImageFetcherTest {

    @TempDir
    Path root;

    private Path state;
    private ImageSettings settings;
    private ImageFetcher fetcher;
    private final AtomicInteger changes = new AtomicInteger();

    @BeforeEach
    void setUp() throws Exception {
        state = root.resolve("hypervisor");
        settings = new ImageSettings(state, List.of(Files.createDirectories(root.resolve("images"))), 64L << 20,
                Duration.ofHours(24), List.of(), Optional.empty(), Duration.ofSeconds(5), Duration.ofSeconds(1), 2);
        fetcher = new ImageFetcher(settings, changes::incrementAndGet, Clock.systemUTC());
    }

    @AfterEach
    void close() {
        fetcher.close();
    }

    @Test
    void oneDownloadPerChecksumWhoeverAsks() throws Exception {
        byte[] disk = TestImages.rawDisk(2 << 20, 3);
        String sha = TestImages.sha256(disk);
        try (ServedBytes server = new ServedBytes(disk)) {
            for (int i = 0; i < 20; i++) {
                fetcher.want(Map.of(sha, ImageRequest.disk(server.url("/a.raw"))), Set.of(sha));
            }
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> fetcher.isReady(sha));
            fetcher.want(Map.of(sha, ImageRequest.disk(server.url("/a.raw"))), Set.of(sha));
            assertThat(server.rangesAsked).hasSize(1);
            assertThat(fetcher.state(sha)).isInstanceOf(ImageState.Ready.class);
            assertThat(changes.get()).isEqualTo(1);
        }
    }

    @Test
    void aStalledServerIsAnErrorAfterTheStallTimeoutAndTheDownloadResumes() throws Exception {
        byte[] disk = TestImages.rawDisk(2 << 20, 4);
        String sha = TestImages.sha256(disk);
        try (ServedBytes server = new ServedBytes(disk)) {
            server.stallAfter.set(1 << 20);
            fetcher.want(Map.of(sha, ImageRequest.disk(server.url("/a.raw"))), Set.of(sha));
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> fetcher.state(sha) instanceof ImageState.Failed);
            ImageState.Failed failed = (ImageState.Failed) fetcher.state(sha);
            assertThat(failed.reason()).isEqualTo(ImageFailure.Reason.Unreachable);
            assertThat(failed.message()).contains("nothing received for 1 s after 1048576 bytes");
            Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).until(() -> {
                fetcher.want(Map.of(sha, ImageRequest.disk(server.url("/a.raw"))), Set.of(sha));
                return fetcher.isReady(sha);
            });
            assertThat(server.rangesAsked).containsExactly("null", "bytes=1048576-");
        }
    }

    @Test
    void retentionKeepsWhatASpecOrADiskNeeds() throws Exception {
        Path cache = Files.createDirectories(settings.cacheDir());
        String named = "a".repeat(64);
        String backing = "b".repeat(64);
        String unused = "c".repeat(64);
        for (String sha : List.of(named, backing, unused)) {
            TestImages.qcow2(cache.resolve(ImageCache.fileName(sha)));
        }
        Files.writeString(cache.resolve(unused + ".partial"), "x");
        // A Retain-deleted partition's disk, made over a cached base no spec names any more.
        Path disks = Files.createDirectories(state.resolve("disks/gone"));
        TestImages.qcow2(disks.resolve("root.qcow2"), "-b", cache.resolve(ImageCache.fileName(backing)).toString(), "-F", "qcow2");

        Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
        ImageFetcher retaining = new ImageFetcher(settings, () -> { }, Clock.fixed(t0, ZoneOffset.UTC));
        try {
            retaining.retain(Set.of(named), t0);
            retaining.retain(Set.of(named), t0.plus(Duration.ofHours(23)));
            assertThat(cache.resolve(ImageCache.fileName(unused))).exists();
            retaining.retain(Set.of(named), t0.plus(Duration.ofHours(24)));
            assertThat(cache.resolve(ImageCache.fileName(unused))).doesNotExist();
            assertThat(cache.resolve(unused + ".partial")).doesNotExist();
            assertThat(cache.resolve(ImageCache.fileName(named))).exists();
            assertThat(cache.resolve(ImageCache.fileName(backing))).exists();

            // Named again before its time is up: the clock starts over when it is unneeded again.
            Files.delete(disks.resolve("root.qcow2"));
            retaining.retain(Set.of(), t0.plus(Duration.ofHours(25)));
            retaining.retain(Set.of(named), t0.plus(Duration.ofHours(30)));
            retaining.retain(Set.of(), t0.plus(Duration.ofHours(31)));
            retaining.retain(Set.of(), t0.plus(Duration.ofHours(49)));
            assertThat(cache.resolve(ImageCache.fileName(named))).exists();
            assertThat(cache.resolve(ImageCache.fileName(backing))).doesNotExist();
            retaining.retain(Set.of(), t0.plus(Duration.ofHours(55)));
            assertThat(cache.resolve(ImageCache.fileName(named))).doesNotExist();
        } finally {
            retaining.close();
        }
    }
}
