package dev.celadon.reconciler.status;

import dev.celadon.reconciler.upgrade.UpgradeStatus;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Status documents as the reconcile loop would publish them, for the status API's tests. */
final class StatusFixtures {

    static final Instant SYNCED_AT = Instant.parse("2025-05-01T10:00:00Z");
    static final String GOOD_REVISION = "0123456789abcdef0123456789abcdef01234567";
    static final String BAD_REVISION = "fedcba9876543210fedcba9876543210fedcba98";
    /** A credential a careless source layer could leak; it must never be served. */
    static final String SECRET = "ghp_s3cr3tT0ken";
    /** A committer-written message that would run if the page rendered data as markup. */
    static final String SCRIPT = "<script>window.pwned = true</script>";

    private StatusFixtures() {
    }

    static ApplianceInfo appliance() {
        return new ApplianceInfo("host-a", "0.1.0", "A", new UpgradeStatus("0.2.0", "Downloading",
                "10485760 of 94371840 bytes (11%)", SYNCED_AT), "tcg", Map.of("role", "edge"), new ApplianceNetwork("dhcp", List.of(
                new ApplianceNetwork.Bridge("celadon0", true, true, "eth0", List.of("192.168.1.20/24")),
                new ApplianceNetwork.Bridge("lab", false, false, null, List.of()))));
    }

    static PartitionStatus running(String name, String revision) {
        return new PartitionStatus(name, Phase.Running, "Running", revision,
                new WorkerView(4242, "tcg", 2, 512L << 20, 256L << 20, "user 64012:64012; limits skipped: cgroup v2 is not mounted at /sys/fs/cgroup"),
                new GuestView(SYNCED_AT.minusSeconds(1), "Debian GNU/Linux 12", name, List.of("10.0.2.15"), true),
                List.of(new Condition(Condition.WORKER_RUNNING, "True", "Started", "worker up", SYNCED_AT),
                        new Condition(Condition.GUEST_READY, "True", "AgentAnswered", "guest-ping ok", SYNCED_AT)),
                0, null, List.of(
                        new NetworkView("lan", "3e:7a:6c:b4:aa:e3", "cd-ac464441973c", "celadon0", 20, "virtio",
                                List.of("192.168.20.57/24")),
                        new NetworkView("mgmt", "62:04:dd:f1:55:16", null, null, null, "e1000", List.of("10.0.2.15/24"))));
    }

    static PartitionStatus stopped(String name) {
        return new PartitionStatus(name, Phase.Stopped, "Stopped", GOOD_REVISION, null, GuestView.UNKNOWN,
                List.of(new Condition(Condition.WORKER_RUNNING, "False", "Stopped", "stopped as desired", SYNCED_AT)),
                0, null);
    }

    /** Everything fine: one partition running, one stopped as desired. */
    static StatusDocument healthy() {
        return new StatusDocument(appliance(),
                new SourceStatus("https://git.example/fleet.git", "main", GOOD_REVISION, SYNCED_AT, null, false),
                List.of(),
                List.of(running("web-01", GOOD_REVISION), stopped("db-01")),
                new Summary(2, 1, 0));
    }

    /**
     * Everything wrong at once: Git unreachable (with credentials in the URL and the error), the newest
     * revision invalid, a partition failed with a hostile message and a restart pending.
     */
    static StatusDocument troubled() {
        PartitionStatus failed = new PartitionStatus("web-02", Phase.Failed, "Running", GOOD_REVISION,
                null, new GuestView(SYNCED_AT.minusSeconds(600), "Debian GNU/Linux 12", "web-02", List.of("10.0.2.16"),
                        false),
                List.of(new Condition(Condition.WORKER_RUNNING, "False", "Exited", "qemu exited: " + SCRIPT,
                                SYNCED_AT),
                        new Condition(Condition.RESTART_REQUIRED, "True", "SpecChanged", "cpus 1 → 2", SYNCED_AT)),
                3, "restart: cpus 1 → 2");
        return new StatusDocument(appliance(),
                new SourceStatus("https://deploy:" + SECRET + "@git.example/fleet.git", "main", GOOD_REVISION,
                        SYNCED_AT, "fetch https://" + SECRET + "@git.example/fleet.git: connection refused", true),
                List.of(new ErrorView("partitions.d/web.yaml", 7, 10, "spec.cpus", "must be at least 1 " + SCRIPT,
                        BAD_REVISION)),
                List.of(running("web-01", GOOD_REVISION), failed, notReady("boot-01")),
                new Summary(3, 2, 1));
    }

    /** A worker that runs whose guest no agent is asked about. */
    static PartitionStatus unasked(String name) {
        return new PartitionStatus(name, Phase.Running, "Running", GOOD_REVISION,
                new WorkerView(4344, "tcg", 1, 256L << 20, null, "none"), GuestView.UNKNOWN,
                List.of(new Condition(Condition.WORKER_RUNNING, "True", "Running", "pid 4344", SYNCED_AT),
                        new Condition(Condition.GUEST_READY, "Unknown", "NoAgent",
                                "no guest agent is asked for heartbeats", SYNCED_AT)),
                0, null);
    }

    /** A worker that runs whose guest never answered: stuck in its firmware, the balloon still the whole machine. */
    static PartitionStatus notReady(String name) {
        return new PartitionStatus(name, Phase.Running, "Running", GOOD_REVISION,
                new WorkerView(4343, "tcg", 1, 256L << 20, 256L << 20, "none"), GuestView.UNKNOWN,
                List.of(new Condition(Condition.WORKER_RUNNING, "True", "Running", "pid 4343", SYNCED_AT),
                        new Condition(Condition.GUEST_READY, "False", "NoHeartbeat",
                                "the guest agent has not answered since the worker started at 2025-05-01T09:50:00Z",
                                SYNCED_AT)),
                0, null);
    }
}
