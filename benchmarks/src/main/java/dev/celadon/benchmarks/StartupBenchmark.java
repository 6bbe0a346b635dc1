package dev.celadon.benchmarks;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Startup of the packaged reconciler (issue 6): from process start to the first {@code 200} on
 * {@code /q/health/live}, and its RSS once {@code /q/health/ready} says the first sync is done. Each run
 * is a fresh process on a fresh state dir against the same local repository, with no partitions, so
 * only the reconciler is measured.
 * Usage: {@code java -cp benchmarks.jar dev.celadon.benchmarks.StartupBenchmark QUARKUS_RUN_JAR RUNS [JVM_OPTION...]}
 */
public final class StartupBenchmark {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private StartupBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Path jar = Path.of(args[0]).toAbsolutePath();
        int runs = Integer.parseInt(args[1]);
        List<String> jvmOptions = List.of(args).subList(2, args.length);
        Path root = Files.createTempDirectory("cs");
        try (LocalGit repo = LocalGit.start(root.resolve("git"))) {
            List<Double> live = new ArrayList<>();
            List<Double> rss = new ArrayList<>();
            for (int i = 0; i < runs; i++) {
                int port = LocalGit.freePort();
                List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java")));
                command.addAll(jvmOptions);
                command.addAll(List.of("-jar", jar.toString()));
                ProcessBuilder builder = new ProcessBuilder(command).directory(jar.getParent().toFile())
                        .redirectErrorStream(true).redirectOutput(root.resolve("run-" + i + ".log").toFile());
                builder.environment().put("CELADON_GIT_URL", repo.url());
                builder.environment().put("CELADON_STATE_DIR", root.resolve("s" + i).toString());
                builder.environment().put("QUARKUS_HTTP_PORT", String.valueOf(port));
                long t0 = System.nanoTime();
                Process process = builder.start();
                try {
                    awaitOk("http://127.0.0.1:" + port + "/q/health/live", process);
                    live.add((System.nanoTime() - t0) / 1e6);
                    awaitOk("http://127.0.0.1:" + port + "/q/health/ready", process);
                    rss.add(rssKiB(process.pid()) / 1024.0);
                } finally {
                    process.destroy();
                    process.waitFor();
                }
            }
            System.out.printf("startup to first 200 on /q/health/live, %d runs: median %.0f ms (min %.0f);"
                    + " RSS after the first sync: median %.0f MiB  [%s]%n", runs, WorkerBenchmark.median(live),
                    live.stream().mapToDouble(d -> d).min().orElse(0), WorkerBenchmark.median(rss),
                    String.join(" ", jvmOptions));
        }
    }

    private static void awaitOk(String url, Process process) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url)).build();
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the reconciler exited with " + process.exitValue());
            }
            try {
                if (HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (java.io.IOException notYet) {
                // Not listening yet.
            }
            Thread.sleep(2);
        }
    }

    static long rssKiB(long pid) throws java.io.IOException {
        return Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status")).stream()
                .filter(l -> l.startsWith("VmRSS:")).mapToLong(l -> Long.parseLong(l.replaceAll("\\D", "")))
                .findFirst().orElse(0);
    }
}
