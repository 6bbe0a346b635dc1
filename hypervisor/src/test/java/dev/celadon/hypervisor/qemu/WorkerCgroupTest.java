package dev.celadon.hypervisor.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.celadon.hypervisor.PartitionName;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cgroup v2 files a worker's limits are written to, in a folder standing in for {@code /sys/fs/cgroup}
 * (the development machines have the hybrid v1 hierarchy; the kernel makes a cgroup's files itself, so the
 * stand-in makes them as the kernel would). Real cgroups: the appliance.
 */
class WorkerCgroupTest {

    private static final PartitionName WEB = new PartitionName("web");

    @TempDir
    Path root;

    @Test
    void withoutCgroupV2TheLimitsAreSkippedAndSaySo() throws IOException {
        assertThat(new WorkerCgroup(root).unavailable()).hasValue("cgroup v2 is not mounted at " + root);
        Files.writeString(root.resolve("cgroup.controllers"), "cpuset cpu io\n");
        assertThat(new WorkerCgroup(root).unavailable()).hasValue("cgroup v2 at " + root + " lacks the controllers memory, pids");
    }

    @Test
    void theWorkerGetsItsLimitsThenJoins() throws IOException {
        Files.writeString(root.resolve("cgroup.controllers"), "cpuset cpu io memory hugetlb pids rdma misc\n");
        Files.writeString(root.resolve("cgroup.subtree_control"), "cpuset\n");
        // What the kernel makes in a new cgroup, made here by hand for celadon/.
        WorkerCgroup cgroups = new WorkerCgroup(root);
        Path parent = Files.createDirectories(root.resolve("celadon"));
        Files.writeString(parent.resolve("cgroup.subtree_control"), "");
        assertThat(cgroups.unavailable()).isEmpty();
        Path dir = cgroups.dir(WEB);
        assertThat(dir).isEqualTo(root.resolve("celadon/web"));
        // The stand-in cannot create a cgroup's files on mkdir: apply is checked up to that point.
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> cgroups.apply(WEB, 4242, 768L << 20, 1024, 1500))
                .isInstanceOfSatisfying(java.nio.file.NoSuchFileException.class,
                        e -> assertThat(e.getFile()).isEqualTo(dir.resolve("memory.max").toString()));
        assertThat(Files.readString(root.resolve("cgroup.subtree_control"))).isEqualTo("+memory +pids +cpu");
        assertThat(Files.readString(parent.resolve("cgroup.subtree_control"))).isEqualTo("+memory +pids +cpu");
        assertThat(dir).isDirectory();
    }

    @Test
    void aCpuLimitIsAQuotaPerHundredMilliseconds() {
        assertThat(WorkerCgroup.cpuMax(1500)).isEqualTo("150000 100000");
        assertThat(WorkerCgroup.cpuMax(10)).isEqualTo("1000 100000");
        assertThat(WorkerCgroup.cpuMax(288_000)).isEqualTo("28800000 100000");
    }

    @Test
    void aKillByTheMemoryLimitIsReadFromMemoryEvents() throws IOException {
        WorkerCgroup cgroups = new WorkerCgroup(root);
        assertThat(cgroups.oomEvents(WEB)).isEqualTo(WorkerCgroup.OomEvents.NONE);
        Path dir = Files.createDirectories(cgroups.dir(WEB));
        Files.writeString(dir.resolve("memory.events"), "low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\noom_group_kill 0\n");
        assertThat(cgroups.oomEvents(WEB)).isEqualTo(new WorkerCgroup.OomEvents(1, 1));
        Files.delete(dir.resolve("memory.events"));
        cgroups.remove(WEB);
        assertThat(dir).doesNotExist();
    }

    /**
     * A worker the kernel killed: for its own limit (the cgroup's {@code oom} counts it), or because the host ran out
     * of memory and chose it, which also counts in its cgroup's {@code oom_kill} but never in {@code oom}.
     */
    @Test
    void aKillForTheHostsMemoryIsNotBlamedOnTheLimit() {
        Processes processes = new Processes(root); // no /proc here: the pid is gone
        WorkerRecord.Stop limit = ExitCause.of(4242, null, processes, root.resolve("qemu.log"), Instant.EPOCH,
                new WorkerCgroup.OomEvents(1, 1));
        assertThat(limit.reason()).isEqualTo("WORKER_KILLED");
        assertThat(limit.detail()).isEqualTo("worker 4242 killed by its memory limit (cgroup memory.max; memory.events oom 1, oom_kill 1)");
        WorkerRecord.Stop host = ExitCause.of(4242, null, processes, root.resolve("qemu.log"), Instant.EPOCH,
                new WorkerCgroup.OomEvents(0, 1));
        assertThat(host.reason()).isEqualTo("WORKER_KILLED");
        assertThat(host.detail()).isEqualTo("worker 4242 killed by the kernel's OOM killer, the host being out of memory, not by"
                + " its own limit (memory.events oom 0, oom_kill 1)");
    }
}
