package dev.celadon.reconciler.status;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The page renderer as a pure function: what it shows, what it leaves out. */
class StatusPageTest {

    private static final Instant NOW = StatusFixtures.SYNCED_AT.plusSeconds(3);

    @Test
    void rendersTheDocumentWithAges() {
        String page = StatusPage.render(StatusFixtures.healthy(), NOW);

        assertThat(page).startsWith("<!DOCTYPE html>")
                .contains("<title>host-a · Celadon</title>",
                        "2025-05-01T10:00:00Z (3 s ago)", "title=\"2025-05-01T09:59:59Z\">heartbeat 4 s ago<",
                        "title=\"" + StatusFixtures.GOOD_REVISION + "\">0123456<",
                        "data-refresh-millis=\"2000\"");
    }

    @Test
    void showsATryRolloutPlainlyUnderThePhase() {
        PartitionStatus base = StatusFixtures.running("web-01", "r1");
        PartitionStatus rolledBack = withConditions(base, new Condition(Condition.ROLLED_BACK, "True", "NotReady",
                "revision r2 rolled back: not Ready within 2m: NoHeartbeat: never answered; the machine of revision r1"
                        + " runs again until Git changes the partition", StatusFixtures.SYNCED_AT));
        PartitionStatus trying = withConditions(StatusFixtures.running("web-02", "r2"), new Condition(Condition.ROLLED_BACK,
                "False", "Trying", "revision r2 (restart: cpus 1 → 2) must be Ready by 2025-05-01T10:02:00Z, else the machine"
                        + " of revision r1 is restored", StatusFixtures.SYNCED_AT));
        StatusDocument healthy = StatusFixtures.healthy();
        String page = StatusPage.render(new StatusDocument(healthy.appliance(), healthy.source(), healthy.errors(),
                List.of(rolledBack, trying), healthy.summary()), NOW);

        assertThat(page).contains("class=\"phase-Running rolled-back\"",
                "<strong>Rolled back: </strong>revision r2 rolled back: not Ready within 2m",
                "<strong>Trying: </strong>revision r2 (restart: cpus 1 → 2) must be Ready by 2025-05-01T10:02:00Z");
        assertThat(StatusPage.needsAttention(rolledBack.conditions().getLast(), rolledBack)).isTrue();
    }

    private static PartitionStatus withConditions(PartitionStatus p, Condition extra) {
        List<Condition> conditions = new java.util.ArrayList<>(p.conditions());
        conditions.add(extra);
        return new PartitionStatus(p.name(), p.phase(), p.runState(), p.revision(), p.worker(), p.guest(), conditions,
                p.restarts(), p.pending(), p.networks());
    }

    @Test
    void rendersTheEmptyDocumentTheStoreStartsWith() {
        StatusDocument empty = new StatusDocument(new ApplianceInfo("", "", null, null, "", Map.of(), ApplianceNetwork.UNKNOWN),
                new SourceStatus("", "", null, null, null, false), List.of(), List.of(), new Summary(0, 0, 0));

        assertThat(StatusPage.render(empty, NOW))
                .contains("none applied yet", "never", "No partitions");
    }

    @Test
    void showsTheSignatureCheckOnlyWhenOneIsAskedFor() {
        VerificationView refused = new VerificationView(VerificationView.REFUSED, "abc", "ssh", "SHA256:xyz", null,
                "signed by key SHA256:xyz, which is not in celadon.git.allowed-signers-file");
        StatusDocument doc = new StatusDocument(new ApplianceInfo("", "", null, null, "", Map.of(), ApplianceNetwork.UNKNOWN),
                new SourceStatus("", "", null, null, null, false, refused), List.of(), List.of(), new Summary(0, 0, 0));

        assertThat(StatusPage.render(doc, NOW)).contains("<dt>Signature</dt>", "Refused by SHA256:xyz: signed by key "
                + "SHA256:xyz, which is not in celadon.git.allowed-signers-file");
        assertThat(StatusPage.render(StatusFixtures.healthy(), NOW)).doesNotContain("Signature");
    }

    @Test
    void showsOnlyConditionsThatNeedAttention() {
        PartitionStatus wantsToRun = StatusFixtures.running("web-01", "r");
        PartitionStatus wantsToStop = StatusFixtures.stopped("db-01");

        assertThat(StatusPage.needsAttention(condition(Condition.WORKER_RUNNING, "True"), wantsToRun)).isFalse();
        assertThat(StatusPage.needsAttention(condition(Condition.GUEST_READY, "False"), wantsToRun)).isTrue();
        assertThat(StatusPage.needsAttention(condition(Condition.WORKER_RUNNING, "False"), wantsToStop)).isFalse();
        assertThat(StatusPage.needsAttention(condition(Condition.RESTART_REQUIRED, "True"), wantsToStop)).isTrue();
        assertThat(StatusPage.needsAttention(condition(Condition.RECONCILE_FAILED, "False"), wantsToRun)).isFalse();
    }

    @Test
    void aRunningWorkerWhoseGuestIsNotReadyIsNotAHealthyRunning() {
        String page = StatusPage.render(StatusFixtures.troubled(), NOW);

        assertThat(row(page, "boot-01")).contains("class=\"phase-Running guest-not-ready\"",
                "<span class=\"phase\">Running, guest not ready</span>",
                "<span class=\"guest-reason\">NoHeartbeat: the guest agent has not answered since the worker started at "
                        + "2025-05-01T09:50:00Z</span>");
        assertThat(row(page, "web-01")).contains("class=\"phase-Running\"", "<span class=\"phase\">Running</span>")
                .doesNotContain("guest not ready");
        assertThat(StatusPage.guestNotReady(StatusFixtures.notReady("boot-01"))).isNotNull();
        assertThat(row(StatusPage.render(new StatusDocument(StatusFixtures.appliance(),
                StatusFixtures.healthy().source(), List.of(), List.of(StatusFixtures.unasked("quiet-01")), new Summary(1, 1, 0)), NOW), "quiet-01"))
                .as("a guest nothing asks: neither green nor not ready").contains("class=\"phase-Running guest-unknown\"",
                        "<span class=\"phase\">Running, guest unknown</span>", "<span class=\"guest-reason\">NoAgent: ");
        assertThat(StatusPage.guestNotReady(StatusFixtures.running("web-01", "r"))).isNull();
        assertThat(StatusPage.guestNotReady(StatusFixtures.stopped("db-01"))).isNull();
    }

    @Test
    void theHeaderShowsTheAppliancesNetwork() {
        String page = StatusPage.render(StatusFixtures.healthy(), NOW);
        assertThat(page).contains("<p class=\"facts\" id=\"network\">network · <code class=\"bridge\">celadon0</code>"
                + " ← eth0 · 192.168.1.20/24 (DHCP) · <code class=\"bridge\">lab</code> not present</p>");
        assertThat(StatusPage.bridge(new ApplianceNetwork.Bridge("celadon0", true, false, null, List.of()), "static"))
                .isEqualTo("no uplink · no VLANs");
    }

    @Test
    void showsTheMachineAsTheHypervisorReportsIt() {
        String page = StatusPage.render(StatusFixtures.healthy(), NOW);

        assertThat(row(page, "web-01")).contains("pid 4242 · tcg<br><span class=\"resources\">2 vCPUs · 512 MiB, "
                + "balloon 256 MiB</span><br><span class=\"isolation\">isolation user 64012:64012; limits skipped: cgroup v2 is"
                + " not mounted at /sys/fs/cgroup</span>");
        assertThat(StatusPage.resources(new WorkerView(1, "tcg", 1, 256L << 20, null, "none"))).isEqualTo("1 vCPU · 256 MiB");
        assertThat(StatusPage.bytes(700)).isEqualTo("700 B");
        assertThat(StatusPage.bytes(1536L << 20)).isEqualTo("1.5 GiB");
        assertThat(StatusPage.bytes(4L << 30)).isEqualTo("4 GiB");
        // A hypervisor that did not answer: the process only.
        assertThat(row(StatusPage.render(withWorker(new WorkerView(7, "tcg", null, null, null, "none")), NOW), "web-01"))
                .contains("pid 7 · tcg<br><span class=\"isolation\">isolation none</span></td>").doesNotContain("resources");
    }

    @Test
    void showsEachNicWithWhereItIsPluggedInAndItsAddresses() {
        String page = StatusPage.render(StatusFixtures.healthy(), NOW);

        assertThat(row(page, "web-01")).contains("<td class=\"networks\"><ul><li data-nic=\"lan\"><b>lan</b> "
                + "<code class=\"mac\">3e:7a:6c:b4:aa:e3</code><br><span class=\"muted\">cd-ac464441973c on celadon0, VLAN 20"
                + " · virtio</span><br><span class=\"addresses\">192.168.20.57/24</span></li>",
                "<li data-nic=\"mgmt\"><b>mgmt</b> <code class=\"mac\">62:04:dd:f1:55:16</code><br>"
                + "<span class=\"muted\">user-mode · e1000</span>");
        assertThat(row(page, "db-01")).contains("<td class=\"networks\">—</td>");
    }

    @Test
    void aGuestThatIsNoLongerCurrentIsShownAsLastSeen() {
        String page = StatusPage.render(StatusFixtures.troubled(), NOW);

        assertThat(row(page, "web-02")).contains("class=\"guest last-seen\"", "<b>web-02</b>",
                ">last seen 10 min ago<").doesNotContain(">heartbeat ");
        assertThat(row(page, "web-01")).contains("class=\"guest\"", ">heartbeat 4 s ago<").doesNotContain("last seen");
        assertThat(row(page, "boot-01")).contains(">not seen<");
    }

    @Test
    void everyPartitionLinksToItsConsole() {
        String page = StatusPage.render(StatusFixtures.troubled(), NOW);

        for (String name : List.of("web-01", "web-02", "boot-01")) {
            assertThat(row(page, name)).contains("<a class=\"console\" href=\"/status/partitions/" + name
                    + "/console\">console</a>");
        }
    }

    /** The markup of one partition's row. */
    private static String row(String page, String name) {
        int start = page.indexOf("<tr data-partition=\"" + name + "\"");
        assertThat(start).as("row of %s", name).isNotNegative();
        return page.substring(start, page.indexOf("</tr>", start));
    }

    private static StatusDocument withWorker(WorkerView worker) {
        StatusDocument healthy = StatusFixtures.healthy();
        PartitionStatus p = healthy.partitions().getFirst();
        return new StatusDocument(healthy.appliance(), healthy.source(), healthy.errors(),
                List.of(new PartitionStatus(p.name(), p.phase(), p.runState(), p.revision(), worker, p.guest(),
                        p.conditions(), p.restarts(), p.pending())), healthy.summary());
    }

    @Test
    void agesAreShortAndRounded() {
        assertThat(StatusPage.age(Duration.ofMillis(400))).isEqualTo("just now");
        assertThat(StatusPage.age(Duration.ofSeconds(-5))).isEqualTo("just now");
        assertThat(StatusPage.age(Duration.ofSeconds(59))).isEqualTo("59 s ago");
        assertThat(StatusPage.age(Duration.ofMinutes(61))).isEqualTo("1 h ago");
        assertThat(StatusPage.age(Duration.ofDays(3))).isEqualTo("3 d ago");
    }

    @Test
    void revisionsAreShortened() {
        assertThat(StatusPage.shortRevision(StatusFixtures.GOOD_REVISION)).isEqualTo("0123456");
        assertThat(StatusPage.shortRevision("abc")).isEqualTo("abc");
        assertThat(StatusPage.shortRevision(null)).isEqualTo("—");
    }

    private static Condition condition(String type, String status) {
        return new Condition(type, status, "Reason", "message", StatusFixtures.SYNCED_AT);
    }
}
