package dev.celadon.benchmarks;

import dev.celadon.hypervisor.ImageCache;
import dev.celadon.reconciler.images.ImageFetcher;
import dev.celadon.reconciler.images.ImageRequest;
import dev.celadon.reconciler.images.ImageSettings;

import java.io.IOException;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * An image fetched by URL (issue 15): download + SHA-256 + store into the cache by the reconciler's
 * {@link ImageFetcher}, against {@code curl -s URL | sha256sum > /dev/null} of the same file from the same
 * server (busybox httpd on 127.0.0.1), alternated in one run. Each fetch starts from an empty cache. The
 * image is random bytes with an MBR signature (a raw disk that neither compresses nor has holes).
 * Usage: {@code java -cp benchmarks.jar dev.celadon.benchmarks.ImageDownloadBenchmark MIB RUNS}
 */
public final class ImageDownloadBenchmark {

    private ImageDownloadBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int mib = Integer.parseInt(args[0]);
        int runs = Integer.parseInt(args[1]);
        Path root = Files.createTempDirectory("cimg");
        Path www = Files.createDirectories(root.resolve("www"));
        Path image = www.resolve("disk.raw");
        String sha = writeImage(image, mib);
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Process httpd = new ProcessBuilder("busybox", "httpd", "-f", "-p", "127.0.0.1:" + port, "-h", www.toString())
                .redirectErrorStream(true).redirectOutput(root.resolve("httpd.log").toFile()).start();
        try {
            awaitListening(port);
            String url = "http://127.0.0.1:" + port + "/disk.raw";
            List<Double> curl = new ArrayList<>();
            List<Double> celadon = new ArrayList<>();
            for (int i = -1; i < runs; i++) {
                double c = curlSeconds(url);
                double f = fetchSeconds(root.resolve("state-" + i), url, sha);
                if (i >= 0) {
                    curl.add(mib / c);
                    celadon.add(mib / f);
                }
            }
            double curlMedian = median(curl);
            double celadonMedian = median(celadon);
            System.out.printf("image %d MiB, %d runs (one warm-up not counted)%n", mib, runs);
            System.out.printf("curl | sha256sum:          median %.0f MiB/s %s%n", curlMedian, curl);
            System.out.printf("ImageFetcher (verify+store): median %.0f MiB/s %s%n", celadonMedian, celadon);
            System.out.printf("ratio (Celadon / curl): %.2f%n", celadonMedian / curlMedian);
        } finally {
            httpd.destroyForcibly().waitFor();
            deleteTree(root);
        }
    }

    /** The image is as large as asked: it does not stay in the temp folder. */
    private static void deleteTree(Path root) throws IOException {
        try (var paths = Files.walk(root)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    private static String writeImage(Path image, int mib) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        Random random = new Random(15);
        byte[] block = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(image)) {
            for (int i = 0; i < mib; i++) {
                random.nextBytes(block);
                if (i == 0) {
                    block[510] = 0x55;
                    block[511] = (byte) 0xaa;
                }
                digest.update(block);
                out.write(block);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static double curlSeconds(String url) throws Exception {
        long t0 = System.nanoTime();
        Process curl = new ProcessBuilder("bash", "-c", "curl -s '" + url + "' | sha256sum > /dev/null")
                .inheritIO().start();
        if (!curl.waitFor(10, TimeUnit.MINUTES) || curl.exitValue() != 0) {
            throw new IOException("curl failed");
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    private static double fetchSeconds(Path state, String url, String sha) throws Exception {
        ImageSettings settings = new ImageSettings(state, List.of(), 1L << 40, Duration.ofHours(24), List.of(),
                Optional.empty(), ImageSettings.CONNECT_TIMEOUT, ImageSettings.STALL_TIMEOUT, ImageSettings.THREADS);
        Object done = new Object();
        try (ImageFetcher fetcher = new ImageFetcher(settings, () -> {
            synchronized (done) {
                done.notifyAll();
            }
        }, Clock.systemUTC())) {
            long t0 = System.nanoTime();
            synchronized (done) {
                fetcher.want(Map.of(sha, ImageRequest.disk(url)), Set.of(sha));
                while (!fetcher.isReady(sha)) {
                    done.wait(10);
                    if (System.nanoTime() - t0 > TimeUnit.MINUTES.toNanos(10)) {
                        throw new IOException("not fetched: " + fetcher.state(sha));
                    }
                }
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            Files.delete(settings.cacheDir().resolve(ImageCache.fileName(sha)));
            return seconds;
        }
    }

    private static void awaitListening(int port) throws Exception {
        for (int i = 0; i < 100; i++) {
            try (Socket ignored = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException e) {
                Thread.sleep(100);
            }
        }
        throw new IOException("httpd did not start");
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
