package dev.celadon.benchmarks;

import dev.celadon.hypervisor.VmConfig;
import dev.celadon.hypervisor.Worker;
import dev.celadon.hypervisor.qemu.QemuHypervisor;
import dev.celadon.hypervisor.qemu.QemuSettings;
import dev.celadon.hypervisor.qemu.WorkerIsolation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Launch to QMP-ready with isolation {@code user} (setpriv, ownership, the uid's tap and cgroup where there is
 * one) against {@code none}, in the same run, interleaved so that drift hits both alike (issue 18). QMP-ready
 * is the hypervisor's own measure, from its log: spawn to negotiated QMP; launch to running is {@code start}'s
 * whole call (identity, file ownership, record, spawn, QMP, balloon, {@code cont}).
 * Usage: {@code java -cp benchmarks.jar dev.celadon.benchmarks.IsolationBenchmark IMAGES_DIR [RUNS]} (as root).
 */
public final class IsolationBenchmark {

    private IsolationBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Path images = Path.of(args[0]).toAbsolutePath();
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 15;
        Path root = Files.createTempDirectory("cb");
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx--x--x"));
        QemuSettings none = QemuSettings.defaults(root.resolve("none"), List.of(images));
        QemuSettings user = QemuSettings.defaults(root.resolve("user"), List.of(images))
                .withIsolation(WorkerIsolation.NONE.withMode(WorkerIsolation.Mode.USER));
        WorkerBenchmark.QmpReadyLog qmp = new WorkerBenchmark.QmpReadyLog();
        java.util.logging.Logger.getLogger("dev.celadon.hypervisor.qemu.Launcher").addHandler(qmp);
        List<Double> qmpNone = new ArrayList<>();
        List<Double> qmpUser = new ArrayList<>();
        List<Double> runNone = new ArrayList<>();
        List<Double> runUser = new ArrayList<>();
        try (QemuHypervisor plain = new QemuHypervisor(none); QemuHypervisor isolated = new QemuHypervisor(user)) {
            for (int i = 0; i < runs; i++) {
                // Alternate which goes first, so neither always meets a host just busied by the other.
                boolean userFirst = i % 2 == 1;
                for (QemuHypervisor hypervisor : userFirst ? List.of(isolated, plain) : List.of(plain, isolated)) {
                    boolean isUser = hypervisor == isolated;
                    VmConfig config = WorkerBenchmark.tiny("iso", true);
                    int before = qmp.millis.size();
                    long t0 = System.nanoTime();
                    Worker worker = hypervisor.start(config);
                    double running = (System.nanoTime() - t0) / 1e6;
                    (isUser ? runUser : runNone).add(running);
                    (isUser ? qmpUser : qmpNone).add(qmp.millis.get(before));
                    worker.stop(Duration.ofSeconds(1));
                    hypervisor.delete(config.name(), true);
                }
            }
        }
        double qmpRatio = WorkerBenchmark.median(qmpUser) / WorkerBenchmark.median(qmpNone);
        System.out.printf("launch to QMP-ready, %d runs each: isolation none median %.1f ms, user median %.1f ms, ratio %.3f%n",
                runs, WorkerBenchmark.median(qmpNone), WorkerBenchmark.median(qmpUser), qmpRatio);
        System.out.printf("launch to running (Hypervisor.start), %d runs each: none median %.1f ms, user median %.1f ms,"
                + " ratio %.3f%n", runs, WorkerBenchmark.median(runNone), WorkerBenchmark.median(runUser),
                WorkerBenchmark.median(runUser) / WorkerBenchmark.median(runNone));
        System.out.println(qmpRatio <= 1.10 ? "PASS: ratio <= 1.10" : "FAIL: ratio > 1.10");
    }
}
