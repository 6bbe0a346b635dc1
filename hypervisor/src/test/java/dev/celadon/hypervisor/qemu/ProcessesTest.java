package dev.celadon.hypervisor.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessesTest {

    @TempDir
    Path proc;

    private void stat(long pid, String line) throws IOException {
        Files.createDirectories(proc.resolve(Long.toString(pid)));
        Files.writeString(proc.resolve(pid + "/stat"), line);
    }

    @Test
    void readsTheStartTimeEvenWhenTheCommandHasSpacesAndParens() {
        String stat = "4242 (qemu (x) 1) S 1 4242 4242 0 -1 4194560 1 0 0 0 5 6 0 0 20 0 3 0 987654 1000 200 18446744073709551615";
        assertThat(Processes.parseStartTicks(stat)).isEqualTo(987654L);
    }

    @Test
    void pidAndStartTimeTogetherIdentifyAProcess() throws IOException {
        stat(4242, "4242 (qemu-system-x86) S 1 4242 4242 0 -1 0 0 0 0 0 0 0 0 0 20 0 3 0 5000 1 1");
        stat(4343, "4343 (qemu-system-x86) Z 1 4343 4343 0 -1 0 0 0 0 0 0 0 0 0 20 0 3 0 6000 1 1");
        Processes processes = new Processes(proc);
        assertThat(processes.isAlive(4242, 5000)).isTrue();
        assertThat(processes.isAlive(4242, 4999)).as("pid reused").isFalse();
        assertThat(processes.isAlive(4343, 6000)).as("zombie").isFalse();
        assertThat(processes.isAlive(4444, 5000)).as("gone").isFalse();
        assertThat(processes.handle(4242, 4999)).isEmpty();
    }

    @Test
    void thisJvmIsAlive() {
        Processes processes = new Processes(Path.of("/proc"));
        long pid = ProcessHandle.current().pid();
        assertThat(processes.isAlive(pid, processes.startTicks(pid).orElseThrow())).isTrue();
    }

    /** The appliance's reconciler runs at 500, which its workers inherit: each is set back to 0; elsewhere nothing is written. */
    @Test
    void aChildIsSetBackToZeroOnlyWhereThisProcessIsPreferredByTheOomKiller() throws IOException {
        Path self = Files.createDirectories(proc.resolve(Long.toString(ProcessHandle.current().pid())));
        Path child = Files.createDirectories(proc.resolve("4242")).resolve("oom_score_adj");
        Files.writeString(self.resolve("oom_score_adj"), "0\n");
        Files.writeString(child, "500\n");
        assertThat(new Processes(proc).clearOomScoreAdj(4242)).isFalse();
        assertThat(child).hasContent("500");
        Files.writeString(self.resolve("oom_score_adj"), "500\n");
        assertThat(new Processes(proc).clearOomScoreAdj(4242)).isTrue();
        assertThat(child).hasContent("0");
    }
}
