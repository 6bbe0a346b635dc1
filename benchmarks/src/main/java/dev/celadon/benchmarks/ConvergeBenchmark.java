package dev.celadon.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * The packaged reconciler against a real {@code git daemon}, polling every second, with real QEMU
 * workers (issue 4):
 * <ol>
 *   <li>commit to worker running: one new partition per commit, from {@code git push} until status
 *       shows it Running (guest boot not counted);</li>
 *   <li>20 tiny partitions in one commit: until all run, and until every guest answers its heartbeat;</li>
 *   <li>the reconciler's RSS with 20 partitions, and each worker's memory beyond guest RAM.</li>
 * </ol>
 * Usage: {@code java -cp benchmarks.jar dev.celadon.benchmarks.ConvergeBenchmark QUARKUS_RUN_JAR IMAGES_DIR
 * [COMMITS [JVM_ARGFILE]]}; the argfile holds the JVM options the reconciler is shipped with.
 */
public final class ConvergeBenchmark {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final int FLEET = 20;

    private ConvergeBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Path jar = Path.of(args[0]).toAbsolutePath();
        Path images = Path.of(args[1]).toAbsolutePath();
        int commits = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        List<String> command = PackagedReconciler.command(jar, args, 3);
        Path root = PackagedReconciler.tempRoot("cc");
        Process reconciler = null;
        try (LocalGit repo = LocalGit.start(root.resolve("git"))) {
            int port = LocalGit.freePort();
            reconciler = PackagedReconciler.start(command, repo, root.resolve("s"), images, port,
                    root.resolve("reconciler.log"), Map.of());
            String base = "http://127.0.0.1:" + port;
            await(base, doc -> doc.path("source").path("revision").isTextual(), 60_000);
            System.out.printf("reconciler RSS after the first sync: %d MiB%n", StartupBenchmark.rssKiB(reconciler.pid()) / 1024);

            List<Double> latencies = new ArrayList<>();
            for (int i = 0; i < commits; i++) {
                String name = "single-" + i;
                repo.write("partitions.d/" + name + ".yaml", spec(name));
                repo.commitAndPush(name);
                long t0 = System.nanoTime();
                await(base, doc -> "Running".equals(phase(doc, name)), 60_000);
                latencies.add((System.nanoTime() - t0) / 1e6);
            }
            System.out.printf("commit to worker running (poll 1s), %d commits: median %.0f ms (min %.0f, max %.0f)%n",
                    commits, WorkerBenchmark.median(latencies), latencies.stream().mapToDouble(d -> d).min().orElse(0),
                    latencies.stream().mapToDouble(d -> d).max().orElse(0));
            for (int i = 0; i < commits; i++) {
                repo.delete("partitions.d/single-" + i + ".yaml");
            }
            repo.commitAndPush("remove the singles");
            await(base, doc -> doc.path("partitions").isEmpty(), 300_000);

            for (int i = 0; i < FLEET; i++) {
                repo.write("partitions.d/fleet-" + i + ".yaml", spec("fleet-" + i));
            }
            repo.commitAndPush("a fleet of " + FLEET);
            long t0 = System.nanoTime();
            await(base, doc -> count(doc, p -> "Running".equals(p.path("phase").asText())) == FLEET, 600_000);
            double running = (System.nanoTime() - t0) / 1e9;
            await(base, doc -> count(doc, ConvergeBenchmark::guestReady) == FLEET, 900_000);
            double ready = (System.nanoTime() - t0) / 1e9;
            JsonNode doc = status(base);
            List<Double> overheads = new ArrayList<>();
            for (JsonNode p : doc.path("partitions")) {
                overheads.add(WorkerBenchmark.overheadKiB(p.path("worker").path("pid").asLong(), 256L << 20) / 1024.0);
            }
            System.out.printf("%d partitions in one commit: all Running after %.1f s, all answering heartbeats after"
                    + " %.1f s%n", FLEET, running, ready);
            System.out.printf("with %d partitions: reconciler RSS %d MiB; worker memory beyond guest RAM median %.1f MiB%n",
                    FLEET, StartupBenchmark.rssKiB(reconciler.pid()) / 1024, WorkerBenchmark.median(overheads));
            // A launch that failed and was retried costs its backoff and hides in the times above: say so.
            try (Stream<String> log = Files.lines(root.resolve("reconciler.log"))) {
                System.out.printf("worker launches that failed and were retried: %d%n",
                        log.filter(line -> line.contains("worker failed to start")).count());
            }
        } finally {
            if (reconciler != null) {
                reconciler.destroyForcibly().waitFor();
            }
            String marker = root.toString();
            ProcessHandle.allProcesses()
                    .filter(p -> p.info().commandLine().map(c -> c.contains("qemu-system") && c.contains(marker))
                            .orElse(false))
                    .forEach(ProcessHandle::destroyForcibly);
        }
    }

    private static String spec(String name) {
        return """
                apiVersion: celadon.dev/v1alpha1
                kind: Partition
                metadata:
                  name: %s
                spec:
                  cpus: 1
                  memory: 128Mi
                  maxMemory: 256Mi
                  boot:
                    kernel: tiny/vmlinuz
                    initrd: tiny/initrd.img
                    cmdline: console=ttyS0 no_timer_check celadon.hostname=%s
                  shutdownGracePeriod: 10s
                """.formatted(name, name);
    }

    private static boolean guestReady(JsonNode partition) {
        return StreamSupport.stream(partition.path("conditions").spliterator(), false)
                .anyMatch(c -> "GuestReady".equals(c.path("type").asText()) && "True".equals(c.path("status").asText()));
    }

    private static long count(JsonNode doc, Predicate<JsonNode> test) {
        return StreamSupport.stream(doc.path("partitions").spliterator(), false).filter(test).count();
    }

    private static String phase(JsonNode doc, String name) {
        return StreamSupport.stream(doc.path("partitions").spliterator(), false)
                .filter(p -> name.equals(p.path("name").asText())).findFirst()
                .map(p -> p.path("phase").asText()).orElse("");
    }

    private static void await(String base, Predicate<JsonNode> done, long timeoutMillis) throws Exception {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (System.currentTimeMillis() < deadline) {
            try {
                if (done.test(status(base))) {
                    return;
                }
            } catch (java.io.IOException notYet) {
                // The reconciler is still starting.
            }
            Thread.sleep(10);
        }
        throw new IllegalStateException("timed out after " + timeoutMillis + " ms");
    }

    private static JsonNode status(String base) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(base + "/status")).build(),
                HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(response.body());
    }
}
