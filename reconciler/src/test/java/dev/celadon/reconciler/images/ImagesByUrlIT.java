package dev.celadon.reconciler.images;

import com.fasterxml.jackson.databind.JsonNode;
import dev.celadon.hypervisor.ImageCache;
import dev.celadon.reconciler.testing.BusyboxHttpd;
import dev.celadon.reconciler.testing.ReconcilerProcess;
import dev.celadon.reconciler.testing.ThrottlingRelay;
import dev.celadon.reconciler.testing.StatusClient;
import dev.celadon.reconciler.testing.TestRepo;
import dev.celadon.reconciler.testing.Workers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Images by URL through the whole packaged reconciler, from a real HTTP server (busybox httpd, which serves
 * Range) behind a relay that slows it down so the test can act mid-download: the tiny guest's disk fetched as
 * {@code .qcow2.xz} boots; a wrong checksum, a 404 and a web page fail on their own partitions only; a server
 * killed mid-download and a reconciler killed with SIGKILL mid-download both resume with Range.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ImagesByUrlIT {

    /** TCG on a busy two-core machine. */
    private static final Duration CONVERGE = Duration.ofMinutes(2);
    private static final int BIG = 6 << 20;
    private static final String PASSWORD = "s3cret-Hunter2";

    private Path root;
    private Path www;
    private Path stateDir;
    private Path cache;
    private TestRepo repo;
    private BusyboxHttpd httpd;
    private ThrottlingRelay relay;
    private ReconcilerProcess reconciler;
    private StatusClient status;
    private String tinySha;
    private String tinyXzSha;

    @BeforeAll
    void serveImagesAndStart() throws Exception {
        root = Files.createTempDirectory("celadon-images");
        www = Files.createDirectories(root.resolve("www"));
        stateDir = root.resolve("state");
        cache = ImageCache.dir(stateDir.resolve("hypervisor"));
        Path images = Path.of(System.getProperty("celadon-test.images", "../image-builder/target/images")).toAbsolutePath();
        assertThat(images.resolve("tiny/base.qcow2")).as("the tiny guest; run `make guest`").exists();
        Files.copy(images.resolve("tiny/base.qcow2"), www.resolve("tiny.qcow2"));
        tinySha = TestImages.sha256(www.resolve("tiny.qcow2"));
        tinyXzSha = TestImages.sha256(TestImages.compress(www.resolve("tiny.qcow2"), "xz", ".xz"));
        Files.writeString(www.resolve("index.html"), "<!DOCTYPE html><html><body>It works!</body></html>\n".repeat(20));
        Files.write(www.resolve("big1.raw"), TestImages.rawDisk(BIG, 1));
        Files.write(www.resolve("big2.raw"), TestImages.rawDisk(BIG, 2));
        Files.write(Files.createDirectories(www.resolve("private")).resolve("small.raw"), TestImages.rawDisk(256 << 10, 3));
        // busybox's own basic authentication, for the folder private/ only.
        Files.writeString(root.resolve("httpd.conf"), "/private:alice:" + PASSWORD + "\n");
        httpd = BusyboxHttpd.start(www, Optional.of(root.resolve("httpd.conf")), root.resolve("httpd.log"));
        // The tiny guest's base is 384 KiB: some seconds at this rate, to see the progress.
        relay = new ThrottlingRelay(httpd.port(), 48 * 1024);

        repo = TestRepo.create(root.resolve("git"), "fleet");
        repo.write("partitions.d/plain.yaml", tinyGuest("plain", ""));
        repo.commitAndPush("plain");
        reconciler = ReconcilerProcess.start(Map.of(
                "CELADON_GIT_URL", repo.fileUrl(),
                "CELADON_GIT_POLL_INTERVAL", "1s",
                "CELADON_STATE_DIR", stateDir.toString(),
                "CELADON_IMAGES_DIRS", images.toString(),
                "CELADON_HYPERVISOR_ACCEL", "tcg"), root.resolve("reconciler.log"));
        status = new StatusClient(() -> reconciler.url(""));
        await("plain Running").atMost(CONVERGE).until(() -> status.phase("plain").equals("Running"));
    }

    @AfterAll
    void stopEverything() throws Exception {
        if (reconciler != null) {
            reconciler.close();
        }
        Workers.destroyUnder(stateDir);
        if (relay != null) {
            relay.close();
        }
        if (httpd != null) {
            httpd.close();
        }
    }

    @Test
    @Order(1)
    void imagesAreDownloadedWithProgressDecompressedAndBoot() throws Exception {
        long plainPid = status.pid("plain");
        repo.write("partitions.d/tiny.yaml", tinyGuest("tiny", disk(relayUrl("/tiny.qcow2"), tinySha)
                + "    - name: data\n      image: {url: \"" + relayUrl("/tiny.qcow2.xz") + "\", sha256: \"" + tinyXzSha + "\"}\n"));
        repo.commitAndPush("tiny by URL");

        AtomicBoolean barShown = new AtomicBoolean();
        await("tiny downloading with progress").atMost(CONVERGE).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            JsonNode image = imageReady("tiny");
            assertThat(image.path("reason").asText()).isEqualTo("Downloading");
            assertThat(image.path("message").asText()).matches("\\d+ of \\d+ bytes \\(\\d+%\\), [0-9.]+ MiB/s from http://.*");
            assertThat(status.phase("tiny")).isEqualTo("Pending");
            barShown.set(page().contains("<progress"));
        });
        await("tiny Running").atMost(CONVERGE).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            assertThat(status.phase("tiny")).isEqualTo("Running");
            assertThat(imageReady("tiny").path("status").asText()).isEqualTo("True");
        });
        assertThat(barShown).as("the page drew a progress bar while it downloaded").isTrue();
        byte[] base = Files.readAllBytes(www.resolve("tiny.qcow2"));
        assertThat(Files.readAllBytes(cache.resolve(ImageCache.fileName(tinySha)))).isEqualTo(base);
        assertThat(Files.readAllBytes(cache.resolve(ImageCache.fileName(tinyXzSha)))).as("decompressed on the way in")
                .isEqualTo(base);
        assertThat(stateDir.resolve("hypervisor/disks/tiny/root.qcow2")).exists();
        assertThat(stateDir.resolve("hypervisor/disks/tiny/data.qcow2")).exists();
        assertThat(status.pid("plain")).isEqualTo(plainPid);
    }

    @Test
    @Order(2)
    void aWrongChecksumA404AndAWebPageFailOnTheirOwnPartitions() throws Exception {
        long plainPid = status.pid("plain");
        long tinyPid = status.pid("tiny");
        String wrong = "0".repeat(64);
        repo.write("partitions.d/badsum.yaml", tinyGuest("badsum", disk(serverUrl("/tiny.qcow2"), wrong)));
        repo.write("partitions.d/missing.yaml", tinyGuest("missing", disk(serverUrl("/absent.qcow2"), "1".repeat(64))));
        repo.write("partitions.d/page.yaml", tinyGuest("page", disk(serverUrl("/index.html"),
                TestImages.sha256(www.resolve("index.html")))));
        repo.commitAndPush("three bad images");

        await("each failure has its reason").atMost(CONVERGE).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            assertImageFailed("badsum", "ChecksumMismatch", "have SHA-256 " + TestImages.sha256(www.resolve("tiny.qcow2")));
            assertImageFailed("missing", "NotFound", "HTTP 404");
            assertImageFailed("page", "UnsupportedFormat", "neither qcow2 nor a raw disk");
        });
        assertThat(cache.resolve(wrong + ".partial")).as("the unverified bytes are gone").doesNotExist();
        assertThat(cache.resolve(ImageCache.fileName(wrong))).doesNotExist();
        assertThat(status.pid("plain")).isEqualTo(plainPid);
        assertThat(status.pid("tiny")).isEqualTo(tinyPid);
        assertThat(status.phase("tiny")).isEqualTo("Running");

        repo.delete("partitions.d/badsum.yaml").delete("partitions.d/missing.yaml").delete("partitions.d/page.yaml");
        repo.commitAndPush("without the bad images");
    }

    @Test
    @Order(3)
    void aServerKilledMidDownloadIsResumedWithRange() throws Exception {
        String sha = TestImages.sha256(www.resolve("big1.raw"));
        relay.rate = 512 * 1024;
        repo.write("partitions.d/big1.yaml", tinyGuest("big1", disk(relayUrl("/big1.raw"), sha)));
        repo.commitAndPush("big1");
        awaitPartial(sha);

        httpd.kill();
        await("the broken transfer is a failure").atMost(CONVERGE).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                assertImageFailed("big1", "Unreachable", ""));
        httpd.start();
        relay.rate = 8 << 20;

        awaitCached("big1", sha);
        assertThat(relay.rangesFor("/big1.raw")).first().isEqualTo("none");
        assertThat(relay.rangesFor("/big1.raw")).last().asString().matches("bytes=[1-9]\\d*-");
    }

    @Test
    @Order(4)
    void aReconcilerKilledMidDownloadResumesWithRangeAfterItsRestart() throws Exception {
        String sha = TestImages.sha256(www.resolve("big2.raw"));
        relay.rate = 512 * 1024;
        repo.write("partitions.d/big2.yaml", tinyGuest("big2", disk(relayUrl("/big2.raw"), sha)));
        repo.commitAndPush("big2");
        awaitPartial(sha);

        reconciler.kill9();
        relay.rate = 8 << 20;
        reconciler.restart();

        awaitCached("big2", sha);
        assertThat(relay.rangesFor("/big2.raw")).first().isEqualTo("none");
        assertThat(relay.rangesFor("/big2.raw")).last().asString().matches("bytes=[1-9]\\d*-");
        assertThat(status.phase("tiny")).isEqualTo("Running");
    }

    @Test
    @Order(5)
    void credentialsFromAFileReachAProtectedFolderAndAreNeverShown() throws Exception {
        String sha = TestImages.sha256(www.resolve("private/small.raw"));
        repo.write("partitions.d/secret.yaml", tinyGuest("secret", disk(serverUrl("/private/small.raw"), sha)));
        repo.commitAndPush("secret");
        await("refused without a credential").atMost(CONVERGE).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                assertImageFailed("secret", "Unauthorized", "HTTP 401"));

        Path passwordFile = Files.writeString(root.resolve("image-password"), "alice:" + PASSWORD + "\n");
        reconciler.stop();
        reconciler.restartWith(Map.of(
                "CELADON_IMAGES_CREDENTIALS_MIRROR_URL_PREFIX", serverUrl("/private/"),
                "CELADON_IMAGES_CREDENTIALS_MIRROR_PASSWORD_FILE", passwordFile.toString()));
        reconciler.awaitReady();

        awaitCached("secret", sha);
        String basic = java.util.Base64.getEncoder().encodeToString(("alice:" + PASSWORD).getBytes());
        assertThat(reconciler.log()).doesNotContain(PASSWORD).doesNotContain(basic);
        assertThat(status.status().toString()).doesNotContain(PASSWORD).doesNotContain(basic);
        assertThat(page()).doesNotContain(PASSWORD).doesNotContain(basic);
    }

    // --- helpers -------------------------------------------------------------------------------

    private void awaitPartial(String sha) {
        Path partial = cache.resolve(sha + ".partial");
        await("a part of " + sha + " downloaded").atMost(CONVERGE).pollInterval(Duration.ofMillis(100))
                .until(() -> Files.exists(partial) && Files.size(partial) > (1 << 20));
    }

    private void awaitCached(String partition, String sha) throws IOException {
        await(partition + "'s image cached").atMost(CONVERGE).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                assertThat(imageReady(partition).path("status").asText()).isEqualTo("True"));
        assertThat(TestImages.sha256(cache.resolve(ImageCache.fileName(sha)))).isEqualTo(sha);
        try (Stream<Path> files = Files.list(cache)) {
            assertThat(files.map(f -> f.getFileName().toString())).noneMatch(n -> n.startsWith(sha + ".partial"));
        }
    }

    private void assertImageFailed(String partition, String reason, String message) {
        JsonNode image = imageReady(partition);
        assertThat(image.path("status").asText()).isEqualTo("False");
        assertThat(image.path("reason").asText()).isEqualTo(reason);
        assertThat(image.path("message").asText()).contains(message);
        assertThat(status.phase(partition)).isEqualTo("Failed");
    }

    /** The condition, or an assertion error (which await retries) while the partition has none yet. */
    private JsonNode imageReady(String partition) {
        return status.condition(partition, "ImageReady")
                .orElseThrow(() -> new AssertionError(partition + " has no ImageReady condition yet"));
    }

    private String page() throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(reconciler.url("/"))).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    private String relayUrl(String path) {
        return "http://127.0.0.1:" + relay.port() + path;
    }

    private String serverUrl(String path) {
        return httpd.url(path);
    }

    private static String disk(String url, String sha) {
        return """
                  disks:
                    - name: root
                      image: {url: "%s", sha256: "%s"}
                """.formatted(url, sha);
    }

    private static String tinyGuest(String name, String disks) {
        return """
                apiVersion: celadon.dev/v1alpha1
                kind: Partition
                metadata:
                  name: %s
                spec:
                  cpus: 1
                  memory: 128Mi
                  boot:
                    kernel: tiny/vmlinuz
                    initrd: tiny/initrd.img
                    cmdline: console=ttyS0 no_timer_check cryptomgr.notests
                  shutdownGracePeriod: 5s
                %s""".formatted(name, disks);
    }


}
