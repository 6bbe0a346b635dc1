package dev.celadon.hypervisor.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.celadon.hypervisor.PartitionName;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Finding workers by their marker in a /proc laid out by the test. */
class WorkerScanTest {

    private static final Path STATE = Path.of("/var/lib/celadon");

    @TempDir
    Path proc;

    private void process(long pid, char state, long ticks, String... argv) throws IOException {
        Path dir = Files.createDirectories(proc.resolve(Long.toString(pid)));
        Files.writeString(dir.resolve("stat"), pid + " (qemu-system-x86) " + state
                + " 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 3 0 " + ticks + " 1 1");
        Files.writeString(dir.resolve("cmdline"), String.join("\0", argv) + "\0");
    }

    private static String[] qemu(String name, String runId) {
        return new String[] {"qemu-system-x86_64", "-name", "guest=" + name + ",debug-threads=on",
                "-pidfile", STATE + "/workers/" + name + "/qemu.pid", "-S",
                "-chardev", "socket,id=charmonitor,path=" + STATE + "/run/" + runId + "/qmp.sock,server=on,wait=off"};
    }

    private Map<PartitionName, List<WorkerScan.Found>> scan() {
        return new WorkerScan(proc, STATE, new Processes(proc)).scan();
    }

    @Test
    void findsEveryWorkerOfThisStateDirByItsPidFileWithItsRunDir() throws IOException {
        process(100, 'S', 5000, qemu("web-01", "abc123def0"));
        process(101, 'S', 5001, qemu("web-01", "zzz999yyy8"));
        process(102, 'S', 5002, qemu("db", "q1w2e3r4t5"));
        Map<PartitionName, List<WorkerScan.Found>> found = scan();
        assertThat(found.keySet()).containsExactly(new PartitionName("db"), new PartitionName("web-01"));
        assertThat(found.get(new PartitionName("web-01"))).as("two QEMUs of one partition: what the scan is for")
                .extracting(WorkerScan.Found::pid).containsExactlyInAnyOrder(100L, 101L);
        assertThat(found.get(new PartitionName("db"))).singleElement().satisfies(f -> {
            assertThat(f.startTicks()).isEqualTo(5002);
            assertThat(f.runDir()).hasValue(STATE.resolve("run/q1w2e3r4t5"));
        });
    }

    @Test
    void ignoresOtherStateDirsZombiesStrangersAndLookalikes() throws IOException {
        process(200, 'S', 1, "qemu-system-x86_64", "-pidfile", "/srv/other/workers/web/qemu.pid");
        process(201, 'Z', 1, qemu("web", "abc123def0"));
        process(202, 'S', 1, "bash", "-c", "grep -pidfile " + STATE + "/workers/web/qemu.pid");
        process(206, 'S', 1, "qemu-system-x86_64", "-pidfile", STATE + "/workers/web/sub/qemu.pid");
        process(207, 'S', 1, "qemu-system-x86_64", "-pidfile", STATE + "/workers/../workers/web/qemu.pid");
        process(203, 'S', 1, "qemu-system-x86_64", "-pidfile", STATE + "/workers/web/qemu.pid.bak");
        process(204, 'S', 1, "qemu-system-x86_64", "-pidfile", STATE + "/workers/UPPER/qemu.pid");
        process(205, 'S', 1, "vim", STATE + "/workers/web/qemu.pid");
        assertThat(scan()).isEmpty();
    }

    @Test
    void aProcessThatExitsDuringTheScanIsPassedOver() throws IOException {
        Files.createDirectories(proc.resolve("400")); // listed, but its files are already gone
        process(401, 'S', 1, qemu("web", "abc123def0"));
        assertThat(scan().get(new PartitionName("web"))).extracting(WorkerScan.Found::pid).containsExactly(401L);
    }
}
