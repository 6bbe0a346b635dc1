package dev.celadon.reconciler.images;

import dev.celadon.hypervisor.ImageCache;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** One download against a JDK HttpServer (a unit test; ImagesByUrlIT uses a real server). */
class ImageDownloadTest {

    private static final int SIZE = 3 << 20;

    @TempDir
    Path root;

    private Path images;
    private ImageSettings settings;
    private HttpClient client;
    private final byte[] disk = TestImages.rawDisk(SIZE, 7);
    private final String sha = TestImages.sha256(disk);

    @BeforeEach
    void setUp() throws Exception {
        images = Files.createDirectories(root.resolve("images"));
        settings = new ImageSettings(root.resolve("hypervisor"), List.of(images), 64L << 20, Duration.ofHours(24),
                List.of(), Optional.empty(), Duration.ofSeconds(5), Duration.ofSeconds(5), 1);
        client = ImageHttp.build(settings);
    }

    private Path download(String url, String sha256) throws Exception {
        return new ImageDownload(client, settings, ImageRequest.disk(url), sha256, (done, total) -> { }).run();
    }

    private ImageFailure failure(String url, String sha256) {
        try {
            download(url, sha256);
        } catch (ImageFailure e) {
            return e;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("downloaded");
    }

    /**
     * A download whose server stalls after {@code bytes}, interrupted then as the fetcher's watchdog does: a
     * transfer broken off in the middle, its partial file kept.
     */
    private void brokenOffAfter(ServedBytes server, String url, String sha256, int bytes) throws Exception {
        server.stallAfter.set(bytes);
        java.util.concurrent.atomic.AtomicReference<Throwable> ended = new java.util.concurrent.atomic.AtomicReference<>();
        Thread thread = Thread.ofPlatform().start(() -> {
            try {
                download(url, sha256);
            } catch (Throwable e) {
                ended.set(e);
            }
        });
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                .until(() -> Files.exists(partial(sha256)) && Files.size(partial(sha256)) == bytes);
        thread.interrupt();
        thread.join(10_000);
        assertThat(ended.get()).isInstanceOf(InterruptedException.class);
        assertThat(Files.size(partial(sha256))).isEqualTo(bytes);
    }

    private Path partial(String sha256) {
        return settings.cacheDir().resolve(sha256 + ".partial");
    }

    @Test
    void streamsThroughTheChecksumIntoTheCache() throws Exception {
        try (ServedBytes server = new ServedBytes(disk)) {
            Path file = download(server.url("/disk.raw"), sha);
            assertThat(file).isEqualTo(ImageCache.file(root.resolve("hypervisor"), sha));
            assertThat(Files.readAllBytes(file)).isEqualTo(disk);
            assertThat(settings.cacheDir()).isDirectoryNotContaining("glob:**.partial*");
            assertThat(download(server.url("/disk.raw"), sha)).as("cached: not fetched again").isEqualTo(file);
            assertThat(server.rangesAsked).hasSize(1);
        }
    }

    @Test
    void aWrongChecksumDiscardsTheBytes() throws Exception {
        try (ServedBytes server = new ServedBytes(disk)) {
            String other = "0".repeat(64);
            ImageFailure e = failure(server.url("/disk.raw"), other);
            assertThat(e.reason()).isEqualTo(ImageFailure.Reason.ChecksumMismatch);
            assertThat(e).hasMessageContaining(sha);
            assertThat(partial(other)).doesNotExist();
            assertThat(ImageCache.file(root.resolve("hypervisor"), other)).doesNotExist();
        }
    }

    @Test
    void resumesWithRangeAfterATransferBrokenOff() throws Exception {
        try (ServedBytes server = new ServedBytes(disk)) {
            brokenOffAfter(server, server.url("/disk.raw"), sha, SIZE / 3);
            assertThat(Files.readAllBytes(download(server.url("/disk.raw"), sha))).isEqualTo(disk);
            assertThat(server.rangesAsked).containsExactly("null", "bytes=" + (SIZE / 3) + "-");
        }
    }

    @Test
    void aServerThatIgnoresRangeOrChangedTheFileStartsOver() throws Exception {
        try (ServedBytes server = new ServedBytes(disk)) {
            brokenOffAfter(server, server.url("/disk.raw"), sha, SIZE / 2);
            server.ranges = false;
            assertThat(Files.readAllBytes(download(server.url("/disk.raw"), sha))).isEqualTo(disk);
        }
        byte[] changed = TestImages.rawDisk(SIZE, 8);
        String changedSha = TestImages.sha256(changed);
        try (ServedBytes server = new ServedBytes(disk)) {
            brokenOffAfter(server, server.url("/disk.raw"), changedSha, SIZE / 2);
            // The file changes on the server; this one answers 206 whatever If-Range says, as busybox httpd does.
            server.content = changed;
            server.etag = "\"v2\"";
            assertThat(Files.readAllBytes(download(server.url("/disk.raw"), changedSha))).isEqualTo(changed);
            assertThat(server.rangesAsked).containsExactly("null", "bytes=" + (SIZE / 2) + "-", "null");
        }
    }

    @Test
    void decompressesBySuffixWithTheRealTools() throws Exception {
        Path raw = Files.write(root.resolve("disk.raw"), disk);
        for (String[] tool : new String[][] {{"xz", ".xz"}, {"gzip", ".gz"}, {"zstd", ".zst"}}) {
            Path compressed = TestImages.compress(raw, tool[0], tool[1]);
            byte[] served = Files.readAllBytes(compressed);
            try (ServedBytes server = new ServedBytes(served)) {
                Path file = download(server.url("/disk.raw" + tool[1]), TestImages.sha256(served));
                assertThat(Files.readAllBytes(file)).as(tool[0]).isEqualTo(disk);
            }
        }
    }

    @Test
    void refusesWhatIsNoImage() throws Exception {
        byte[] page = "<html><body>Welcome to our mirror</body></html>".repeat(40).getBytes();
        try (ServedBytes server = new ServedBytes(page)) {
            ImageFailure e = failure(server.url("/disk.qcow2"), TestImages.sha256(page));
            assertThat(e.reason()).isEqualTo(ImageFailure.Reason.UnsupportedFormat);
            assertThat(partial(TestImages.sha256(page))).doesNotExist();
            assertThat(failure(server.url("/disk.qcow2.xz"), TestImages.sha256(page))).hasMessageContaining("not xz-compressed");
        }
        // Compressed web page: the magic is right, the content is not.
        Path html = Files.write(root.resolve("page.html"), page);
        byte[] xz = Files.readAllBytes(TestImages.compress(html, "xz", ".xz"));
        try (ServedBytes server = new ServedBytes(xz)) {
            assertThat(failure(server.url("/disk.qcow2.xz"), TestImages.sha256(xz)).reason())
                    .isEqualTo(ImageFailure.Reason.UnsupportedFormat);
            assertThat(settings.cacheDir()).isEmptyDirectory();
        }
    }

    @Test
    void httpErrorsHaveTheirReasons() throws Exception {
        try (ServedBytes server = new ServedBytes(disk)) {
            server.status = 404;
            assertThat(failure(server.url("/absent.raw"), sha).reason()).isEqualTo(ImageFailure.Reason.NotFound);
            server.status = 403;
            assertThat(failure(server.url("/secret.raw"), sha).reason()).isEqualTo(ImageFailure.Reason.Unauthorized);
            server.status = 503;
            assertThat(failure(server.url("/busy.raw"), sha)).hasMessageContaining("HTTP 503");
        }
        assertThat(failure("http://127.0.0.1:1/disk.raw", sha).reason()).isEqualTo(ImageFailure.Reason.Unreachable);
    }

    @Test
    void theSizeCapHoldsForServedAndDecompressedBytes() throws Exception {
        settings = new ImageSettings(root.resolve("hypervisor"), List.of(images), SIZE / 2, Duration.ofHours(24),
                List.of(), Optional.empty(), Duration.ofSeconds(5), Duration.ofSeconds(5), 1);
        try (ServedBytes server = new ServedBytes(disk)) {
            assertThat(failure(server.url("/disk.raw"), sha).reason()).isEqualTo(ImageFailure.Reason.TooLarge);
        }
        byte[] zeros = new byte[SIZE];
        zeros[510] = 0x55;
        zeros[511] = (byte) 0xaa;
        byte[] bomb = Files.readAllBytes(TestImages.compress(Files.write(root.resolve("zeros.raw"), zeros), "gzip", ".gz"));
        try (ServedBytes server = new ServedBytes(bomb)) {
            ImageFailure e = failure(server.url("/zeros.raw.gz"), TestImages.sha256(bomb));
            assertThat(e.reason()).isEqualTo(ImageFailure.Reason.TooLarge);
            assertThat(settings.cacheDir()).isEmptyDirectory();
        }
    }

    /**
     * The kernel's own ENOSPC: the file the image is decompressed into is /dev/full, which refuses every write
     * with it. The failure says so, and neither the download nor the half-written image stays.
     */
    @Test
    void aFullDiskIsSaidSoAndThePartialFilesGo() throws Exception {
        byte[] gz = Files.readAllBytes(TestImages.compress(Files.write(root.resolve("disk.raw"), disk), "gzip", ".gz"));
        String gzSha = TestImages.sha256(gz);
        Path decompressing = Files.createDirectories(settings.cacheDir()).resolve(gzSha + ".decompressing");
        Files.createSymbolicLink(decompressing, Path.of("/dev/full"));
        try (ServedBytes server = new ServedBytes(gz)) {
            ImageFailure e = failure(server.url("/disk.raw.gz"), gzSha);
            assertThat(e.reason()).isEqualTo(ImageFailure.Reason.DiskFull);
            assertThat(e).hasMessageContaining("no space left in " + settings.cacheDir());
        }
        assertThat(settings.cacheDir()).isEmptyDirectory();
        assertThat(Path.of("/dev/full")).exists();
    }

    @Test
    void fileUrlsAreConfinedToTheImagesDirs() throws Exception {
        Path inside = Files.write(images.resolve("disk.raw"), disk);
        assertThat(Files.readAllBytes(download(inside.toUri().toString(), sha))).isEqualTo(disk);

        Path outside = Files.write(root.resolve("shadow"), disk);
        Files.createSymbolicLink(images.resolve("link.raw"), outside);
        String otherSha = "1".repeat(64);
        assertThat(failure("file://" + images.resolve("link.raw"), otherSha)).satisfies(
                e -> assertThat(e.reason()).isEqualTo(ImageFailure.Reason.NotAllowed)).hasMessageContaining("outside the images dirs");
        assertThat(failure("file://" + outside, otherSha).reason()).isEqualTo(ImageFailure.Reason.NotAllowed);
        assertThat(failure("file://" + images.resolve("absent.raw"), otherSha).reason()).isEqualTo(ImageFailure.Reason.NotFound);
    }
}
