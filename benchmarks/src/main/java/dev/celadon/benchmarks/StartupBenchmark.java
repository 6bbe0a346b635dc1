package dev.celadon.benchmarks;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Startup of the packaged reconciler (issue 6): from process start to the first {@code 200} on
 * {@code /q/health/live}, and its RSS once {@code /q/health/ready} says the first sync is done, and again
 * once it has settled. Each run is a fresh process on a fresh state dir against the same local repository,
 * with no partitions, so only the reconciler is measured. The probe is a plain socket and one run is a
 * warm-up, not counted: this JVM's own HTTP client, loading its classes during the first timed run, took
 * one of the two cores from the reconciler it was timing (about 100 ms on the project's machine).
 * Usage: {@code java -cp benchmarks.jar dev.celadon.benchmarks.StartupBenchmark QUARKUS_RUN_JAR RUNS [JVM_OPTION...]}
 */
public final class StartupBenchmark {

    /**
     * How long after the first sync the RSS is read a second time: at the first sync it still holds what the
     * start needed for a moment (C1's scratch memory, freed a few seconds later and given back to the system
     * by {@code -XX:TrimNativeHeapInterval}); the second reading is what the reconciler keeps.
     */
    private static final Duration SETTLE = Duration.ofSeconds(10);

    private StartupBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Path jar = Path.of(args[0]).toAbsolutePath();
        int runs = Integer.parseInt(args[1]);
        List<String> jvmOptions = List.of(args).subList(2, args.length);
        Path root = PackagedReconciler.tempRoot("cs");
        try (LocalGit repo = LocalGit.start(root.resolve("git"))) {
            List<Double> live = new ArrayList<>();
            List<Double> rss = new ArrayList<>();
            List<Double> cpu = new ArrayList<>();
            List<Double> settled = new ArrayList<>();
            for (int i = -1; i < runs; i++) {
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
                    awaitOk(port, "/q/health/live", process);
                    double liveMs = (System.nanoTime() - t0) / 1e6;
                    double cpuMs = cpuMillis(process.pid());
                    awaitOk(port, "/q/health/ready", process);
                    if (i >= 0) {
                        live.add(liveMs);
                        cpu.add(cpuMs);
                        rss.add(rssKiB(process.pid()) / 1024.0);
                        Thread.sleep(SETTLE.toMillis());
                        settled.add(rssKiB(process.pid()) / 1024.0);
                    }
                } finally {
                    process.destroy();
                    process.waitFor();
                }
            }
            System.out.printf("startup to first 200 on /q/health/live, %d runs: median %.0f ms (min %.0f), CPU time"
                    + " used by then: median %.0f ms; RSS after the first sync: median %.1f MiB (%.1f–%.1f),"
                    + " %d s later %.1f MiB (%.1f–%.1f)  [%s]%n", runs, WorkerBenchmark.median(live), min(live),
                    WorkerBenchmark.median(cpu), WorkerBenchmark.median(rss), min(rss), max(rss), SETTLE.toSeconds(),
                    WorkerBenchmark.median(settled), min(settled), max(settled), String.join(" ", jvmOptions));
        }
    }

    private static double min(List<Double> values) {
        return values.stream().mapToDouble(d -> d).min().orElse(0);
    }

    private static double max(List<Double> values) {
        return values.stream().mapToDouble(d -> d).max().orElse(0);
    }

    private static void awaitOk(int port, String path, Process process) throws Exception {
        while (!answersOk(port, path)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the reconciler exited with " + process.exitValue());
            }
            Thread.sleep(2);
        }
    }

    private static boolean answersOk(int port, String path) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            socket.getOutputStream().write(("GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            byte[] statusLine = in.readNBytes("HTTP/1.0 200".length());
            return new String(statusLine, StandardCharsets.US_ASCII).endsWith(" 200");
        } catch (IOException notYet) {
            return false;
        }
    }

    /**
     * User and system CPU time of every thread of the process so far. It varies less than the wall time
     * when the host the two vCPUs run on is busy, so it shows what a change saved when the wall time cannot.
     */
    static double cpuMillis(long pid) throws java.io.IOException {
        String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        // Fields 14 and 15 of proc(5) (utime, stime), counted from the state field (3) here.
        return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * 1000.0 / 100;
    }

    static long rssKiB(long pid) throws java.io.IOException {
        return Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status")).stream()
                .filter(l -> l.startsWith("VmRSS:")).mapToLong(l -> Long.parseLong(l.replaceAll("\\D", "")))
                .findFirst().orElse(0);
    }
}
