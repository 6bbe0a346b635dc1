package dev.celadon.reconciler.loop;

import dev.celadon.hypervisor.IntegrationServices;

import dev.celadon.hypervisor.VmConfig;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.celadon.hypervisor.DiskConfig;
import dev.celadon.hypervisor.Incident;
import dev.celadon.hypervisor.InvalidVmConfigException;
import dev.celadon.hypervisor.PartitionName;
import dev.celadon.hypervisor.StopReason;
import dev.celadon.hypervisor.WorkerLaunchException;
import dev.celadon.hypervisor.fake.FakeHypervisor;
import dev.celadon.reconciler.upgrade.ApplianceUpgrades;
import dev.celadon.reconciler.config.JavaTimeJson;
import dev.celadon.reconciler.images.ImageSettings;
import dev.celadon.reconciler.plan.Specs;
import dev.celadon.reconciler.spec.Partition;
import dev.celadon.reconciler.spec.RunState;
import dev.celadon.reconciler.spec.SpecError;
import dev.celadon.reconciler.spec.SpecSet;
import dev.celadon.reconciler.status.Condition;
import dev.celadon.reconciler.status.Event;
import dev.celadon.reconciler.status.EventType;
import dev.celadon.reconciler.status.PartitionStatus;
import dev.celadon.reconciler.status.Phase;
import dev.celadon.reconciler.status.StatusDocument;
import dev.celadon.reconciler.status.StatusStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The loop stepped by hand against the fake hypervisor: a "repository" whose revisions tests set,
 * a clock tests move, one pass at a time.
 */
class ReconcileLoopTest {

    private static final PartitionName WEB = new PartitionName("web");

    @TempDir
    Path stateDir;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T12:00:00Z"));
    private final FakeHypervisor hypervisor = new FakeHypervisor(clock);
    private final Map<String, SpecSet> revisions = new HashMap<>();
    private final ObjectMapper mapper = new ObjectMapper().registerModule(JavaTimeJson.module());
    private final StatusStore store = new StatusStore(mapper);
    private String head;
    /** Revisions whose parse runs the heap out, as a hostile one did before the reader's limits. */
    private final java.util.Set<String> explosive = new java.util.HashSet<>();
    private final Map<String, Integer> loads = new HashMap<>();
    private final dev.celadon.reconciler.status.ReconcileMetrics metrics = new dev.celadon.reconciler.status.ReconcileMetrics();
    private final List<String> syncResults = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final List<Event> events = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final java.util.concurrent.atomic.AtomicInteger passes = new java.util.concurrent.atomic.AtomicInteger();
    /** Makes fetch() wait until counted down, as a hung Git server would. */
    private volatile java.util.concurrent.CountDownLatch fetchGate;
    private boolean reachable = true;
    /** The signature check GitSource would refuse the head with, if any. */
    private dev.celadon.reconciler.source.Verification refusal;
    /** What an earlier run left checked out on disk, if anything. */
    private String onDisk;
    private ReconcileLoop loop;

    @BeforeEach
    void startLoop() {
        loop = newLoop();
    }

    @AfterEach
    void closeLoop() {
        loop.close();
    }

    private ReconcileLoop newLoop() {
        LoopSettings settings = new LoopSettings("host-a", Map.of(), 512L << 20, Duration.ofSeconds(5),
                Duration.ofSeconds(1), "test", null, "file:///repo", "main", List.of(), "dhcp");
        RevisionSource source = new RevisionSource() {
            @Override
            public Fetched fetch() throws Exception {
                java.util.concurrent.CountDownLatch gate = fetchGate;
                if (gate != null) {
                    gate.await();
                }
                if (!reachable) {
                    throw new java.io.IOException("connection refused");
                }
                if (refusal != null) {
                    throw new dev.celadon.reconciler.source.RevisionRefusedException("file:///repo", "main", refusal);
                }
                return new Fetched(head, stateDir.resolve(head));
            }

            @Override
            public java.util.Optional<Fetched> lastKnown() {
                return java.util.Optional.ofNullable(onDisk).map(r -> new Fetched(r, stateDir.resolve(r)));
            }
        };
        java.util.function.Function<Path, SpecSet> load = dir -> {
            String revision = dir.getFileName().toString();
            loads.merge(revision, 1, Integer::sum);
            if (explosive.contains(revision)) {
                throw new OutOfMemoryError("Java heap space");
            }
            return revisions.get(revision);
        };
        LoopListener listener = new LoopListener() {
            @Override
            public void synced(String result) {
                // The real metrics refuse a result they have no series for: the loop must only report known ones.
                metrics.recordSync(result);
                syncResults.add(result);
            }

            @Override
            public void reconciled(Duration took) {
                passes.incrementAndGet();
            }

            @Override
            public void recorded(Event event) {
                events.add(event);
            }
        };
        ImageSettings images = new ImageSettings(stateDir.resolve("hypervisor"), List.of(stateDir.resolve("images")),
                1L << 30, Duration.ofHours(24), List.of(), java.util.Optional.empty(), ImageSettings.CONNECT_TIMEOUT,
                ImageSettings.STALL_TIMEOUT, 1);
        return new ReconcileLoop(settings, images, source, load, hypervisor,
                new Ledger(stateDir.resolve("ledger.json"), () -> mapper), store, listener,
                ApplianceUpgrades.Setup.none(stateDir.resolve("upgrade")), clock);
    }

    private void commit(String revision, Partition... partitions) {
        revisions.put(revision, new SpecSet(List.of(partitions), List.of(), List.of()));
        head = revision;
    }

    /** Sync, then passes until nothing is in flight: what the running loop does over a few ticks. */
    private StatusDocument converge() {
        loop.syncOnce();
        for (int i = 0; i < 4; i++) {
            loop.tick();
            loop.awaitApplies(Duration.ofSeconds(5));
        }
        return store.document();
    }

    private PartitionStatus web(StatusDocument doc) {
        return doc.partitions().stream().filter(p -> p.name().equals("web")).findFirst().orElseThrow();
    }

    @Test
    void everyPassSupervisesAndWhatSupervisionRepairedIsAConditionOfThatPartitionOnly() {
        commit("r1", Specs.partition("web"), Specs.partition("db"));
        converge();
        assertThat(hypervisor.supervisions()).as("one supervision per pass").isEqualTo(passes.get()).isPositive();
        hypervisor.report(new Incident(WEB, Incident.Reason.RECORD_QUARANTINED,
                "unreadable worker record; moved to worker.json.unreadable-1", clock.instant()));
        StatusDocument doc = converge();
        assertThat(web(doc).conditions()).anySatisfy(c -> {
            assertThat(c.type()).isEqualTo(Condition.WORKER_RECOVERED);
            assertThat(c.status()).isEqualTo("True");
            assertThat(c.reason()).isEqualTo("RecordQuarantined");
            assertThat(c.message()).contains("moved to worker.json.unreadable-1");
        });
        assertThat(doc.partitions()).filteredOn(p -> p.name().equals("db")).singleElement()
                .satisfies(db -> assertThat(db.conditions()).extracting(Condition::type).doesNotContain(Condition.WORKER_RECOVERED));
    }

    @Test
    void aRevisionWhoseParseThrowsAnErrorIsRecordedNeverParsedAgainAndTheNextCommitIsApplied() {
        commit("r1", Specs.partition("web"));
        converge();
        commit("r2", Specs.partition("web"), Specs.partition("db"));
        explosive.add("r2");
        StatusDocument doc = converge();
        assertThat(doc.source().revision()).isEqualTo("r1");
        assertThat(doc.source().stale()).isTrue();
        assertThat(doc.source().lastError()).contains("r2 cannot be loaded", "OutOfMemoryError", "Java heap space");
        assertThat(syncResults).last().isEqualTo("error");
        loop.syncOnce();
        assertThat(loads.get("r2")).as("a revision that blew up once is not parsed again").isEqualTo(1);
        assertThat(web(store.document()).phase()).isEqualTo(Phase.Running);

        commit("r3", Specs.partition("web"), Specs.partition("db"));
        doc = converge();
        assertThat(doc.source().revision()).isEqualTo("r3");
        assertThat(doc.source().lastError()).isNull();
        assertThat(doc.source().stale()).isFalse();
        assertThat(hypervisor.calls()).containsExactly("start web", "start db");
    }

    /**
     * The running loop, on its own threads: a fetch that hangs (here until the test lets it go, as a Git
     * server that stops answering) delays neither the guests' heartbeats nor the reconcile passes.
     */
    @Test
    void aHungFetchDelaysNoProbeAndNoPass() throws Exception {
        commit("r1", Specs.partition("web"));
        converge();
        fetchGate = new java.util.concurrent.CountDownLatch(1);
        loop.start();
        try {
            int probes = hypervisor.probes();
            int passes = hypervisor.supervisions();
            org.awaitility.Awaitility.await("probes and passes go on while the fetch hangs")
                    .atMost(Duration.ofSeconds(30)).until(() -> hypervisor.probes() >= probes + 2
                            && hypervisor.supervisions() >= passes + 5);
            assertThat(store.readiness(clock.instant()).ready()).isTrue();
        } finally {
            fetchGate.countDown();
        }
    }

    @Test
    void aFailedApplyIsReportedWithTheFailuresStableReasonNotItsClassName() {
        hypervisor.failNextStart(WEB, new WorkerLaunchException(WEB, "exited with code 1", "", null));
        commit("r1", Specs.partition("web"));
        StatusDocument doc = converge();
        assertThat(web(doc).conditions()).anySatisfy(c -> {
            assertThat(c.type()).isEqualTo(Condition.RECONCILE_FAILED);
            assertThat(c.reason()).isEqualTo(new WorkerLaunchException(WEB, "x", "", null).reason()).isEqualTo("WorkerLaunch");
        });
    }

    /**
     * Make before break: a restart whose new config cannot run on this host is refused while the old
     * worker runs on, the condition says where in Git; once the file is there, the restart happens.
     */
    @Test
    void aRestartToAConfigTheHostCannotRunLeavesTheRunningWorkerAlone() {
        hypervisor.setImages(Map.of("tiny/vmlinuz", 0L, "tiny/initrd.img", 0L));
        commit("r1", Specs.partition("web"));
        converge();
        long pid = web(store.document()).worker().pid();
        Partition moved = Specs.withCpus(Specs.withVm(Specs.partition("web"), new dev.celadon.hypervisor.VmConfig(WEB,
                dev.celadon.hypervisor.GuestProfile.ENLIGHTENED, 1, 128 * Specs.MI, 256 * Specs.MI,
                new dev.celadon.hypervisor.BootConfig.Kernel("tiny/vmlinuz-6.12", java.util.Optional.of("tiny/initrd.img"), ""),
                List.of(), List.of(), List.of(), dev.celadon.hypervisor.IntegrationServices.ALL, Duration.ofSeconds(30))), 2);
        commit("r2", moved);
        StatusDocument doc = converge();
        assertThat(hypervisor.calls()).as("never stopped").containsExactly("start web");
        assertThat(web(doc).phase()).isEqualTo(Phase.Running);
        assertThat(web(doc).worker().pid()).isEqualTo(pid);
        assertThat(web(doc).conditions()).anySatisfy(c -> {
            assertThat(c.type()).isEqualTo(Condition.RECONCILE_FAILED);
            assertThat(c.reason()).isEqualTo("HostFileMissing");
            assertThat(c.message()).startsWith("web.yaml:1:1: spec.boot.kernel: tiny/vmlinuz-6.12 not found");
        });

        hypervisor.setImages(Map.of("tiny/vmlinuz", 0L, "tiny/vmlinuz-6.12", 0L, "tiny/initrd.img", 0L));
        clock.advance(Duration.ofMinutes(1));
        doc = converge();
        assertThat(hypervisor.calls()).containsExactly("start web", "stop web", "start web");
        assertThat(web(doc).conditions()).extracting(Condition::type).doesNotContain(Condition.RECONCILE_FAILED);
    }

    @Test
    void aLedgerCutShortIsRebuiltAndEveryPartitionSaysSo() throws Exception {
        commit("r1", Specs.partition("web"), Specs.partition("db"));
        converge();
        loop.close();
        java.nio.file.Path ledgerFile = stateDir.resolve("ledger.json");
        byte[] whole = java.nio.file.Files.readAllBytes(ledgerFile);
        java.nio.file.Files.write(ledgerFile, java.util.Arrays.copyOf(whole, whole.length / 2));
        loop = newLoop();
        StatusDocument doc = converge();
        assertThat(doc.partitions()).hasSize(2).allSatisfy(p -> {
            assertThat(p.phase()).isEqualTo(Phase.Running);
            assertThat(p.conditions()).anySatisfy(c -> {
                assertThat(c.type()).isEqualTo("LedgerRecovered");
                assertThat(c.status()).isEqualTo("True");
            });
        });
        assertThat(hypervisor.calls()).as("nothing restarted").containsExactly("start db", "start web");
    }

    /**
     * The commit that once stopped Git sync for good: one label value of 100 KiB anchored once and aliased
     * 1,999 times. Read by the real reader, it is a spec error with its line, the sync goes on, and the
     * next commit is applied.
     */
    @Test
    void anAliasBombIsASpecErrorAndTheNextCommitIsApplied(@TempDir Path specs) throws Exception {
        commit("r1", Specs.partition("web"));
        converge();
        StringBuilder bomb = new StringBuilder("apiVersion: celadon.dev/v1alpha1\nkind: Partition\nmetadata:\n  name: web\n"
                + "  labels:\n    k0: &big " + "x".repeat(100 * 1024) + "\n");
        for (int i = 1; i < 2000; i++) {
            bomb.append("    k").append(i).append(": *big\n");
        }
        bomb.append("spec: {cpus: 1, memory: 128Mi, boot: {kernel: tiny/vmlinuz}}\n");
        java.nio.file.Files.writeString(specs.resolve("web.yaml"), bomb);
        revisions.put("r2", dev.celadon.reconciler.spec.SpecLoader.load(specs, dev.celadon.reconciler.spec.SpecRules.DEFAULT));
        head = "r2";
        StatusDocument doc = converge();
        assertThat(doc.source().revision()).isEqualTo("r1");
        assertThat(doc.errors()).singleElement().satisfies(e -> {
            assertThat(e.file()).isEqualTo("web.yaml");
            assertThat(e.line()).isPositive();
            assertThat(e.revision()).isEqualTo("r2");
        });
        assertThat(syncResults).contains("invalid");
        assertThat(web(doc).phase()).isEqualTo(Phase.Running);

        commit("r3", Specs.partition("web"), Specs.partition("db"));
        doc = converge();
        assertThat(doc.source().revision()).isEqualTo("r3");
        assertThat(doc.errors()).isEmpty();
        assertThat(hypervisor.calls()).containsExactly("start web", "start db");
    }

    @Test
    void newRevisionCreatesAndReportsRunning() {
        commit("r1", Specs.partition("web"));
        StatusDocument doc = converge();
        assertThat(hypervisor.calls()).containsExactly("start web");
        assertThat(doc.source().revision()).isEqualTo("r1");
        assertThat(web(doc).phase()).isEqualTo(Phase.Running);
        assertThat(web(doc).revision()).isEqualTo("r1");
        assertThat(web(doc).worker().pid()).isPositive();
        assertThat(web(doc).pending()).isNull();
        assertThat(doc.summary().running()).isEqualTo(1);
        assertThat(store.synced()).isTrue();
    }

    @Test
    void readyOnlyOnceAPublishedDocumentShowsTheSync() {
        commit("r1", Specs.partition("web"));
        // Holding the loop's monitor keeps the pass the sync wakes from running before the assertions.
        synchronized (loop) {
            loop.syncOnce();
            assertThat(store.synced()).as("synced, but /status still shows no revision").isFalse();
            assertThat(store.document().source().revision()).isNull();
        }
        loop.tick();
        assertThat(store.document().source().revision()).isEqualTo("r1");
        assertThat(store.synced()).isTrue();
    }

    @Test
    void readyAfterAFailedFirstSyncOnceStatusShowsTheError() {
        reachable = false;
        synchronized (loop) {
            loop.syncOnce();
            assertThat(store.synced()).isFalse();
        }
        loop.tick();
        assertThat(store.document().source().lastError()).contains("fetch failed");
        assertThat(store.synced()).isTrue();
    }

    @Test
    void invalidRevisionChangesNothingAndShowsErrors() {
        commit("r1", Specs.partition("web"));
        converge();
        revisions.put("r2", new SpecSet(List.of(), List.of(), List.of(new SpecError("web.yaml", 7, 10, "spec.cpus", "must be at least 1"))));
        head = "r2";
        StatusDocument doc = converge();
        assertThat(hypervisor.calls()).containsExactly("start web");
        assertThat(doc.source().revision()).isEqualTo("r1");
        assertThat(doc.source().lastError()).contains("r2 rejected", "r1 stays in force");
        assertThat(doc.errors()).singleElement().satisfies(e -> {
            assertThat(e.file()).isEqualTo("web.yaml");
            assertThat(e.line()).isEqualTo(7);
            assertThat(e.field()).isEqualTo("spec.cpus");
            assertThat(e.revision()).isEqualTo("r2");
        });
        assertThat(web(doc).phase()).isEqualTo(Phase.Running);
    }

    @Test
    void aRefusedRevisionChangesNothingAndShowsWhy() {
        commit("r1", Specs.partition("web"));
        converge();
        commit("r2");
        refusal = new dev.celadon.reconciler.source.Verification(false, "r2", "openpgp", "abcd", null,
                "signed by key abcd, which is not in celadon.git.trusted-keys-file");
        StatusDocument doc = converge();

        assertThat(hypervisor.calls()).containsExactly("start web");
        assertThat(loads).doesNotContainKey("r2");
        assertThat(doc.source().revision()).isEqualTo("r1");
        assertThat(doc.source().stale()).as("the remote answered").isFalse();
        assertThat(doc.source().lastError()).isEqualTo("revision r2 refused: signed by key abcd, which is not in "
                + "celadon.git.trusted-keys-file; revision r1 stays in force");
        assertThat(doc.source().verification()).isEqualTo(new dev.celadon.reconciler.status.VerificationView(
                "Refused", "r2", "openpgp", "abcd", null, refusal.reason()));
        assertThat(web(doc).phase()).isEqualTo(Phase.Running);
        assertThat(syncResults).endsWith("refused");
        converge();
        assertThat(events).as("one event per refusal, not one per poll").filteredOn(e -> e.type() == EventType.RevisionRefused)
                .singleElement().satisfies(e -> {
                    assertThat(e.revision()).isEqualTo("r2");
                    assertThat(e.reason()).isEqualTo("SignatureRefused");
                    assertThat(e.message()).isEqualTo(refusal.reason());
                });

        refusal = null;
        doc = converge();
        assertThat(doc.source().revision()).isEqualTo("r2");
        assertThat(doc.source().lastError()).isNull();
    }

    @Test
    void unreachableSourceKeepsEverythingRunningAndIsStale() {
        commit("r1", Specs.partition("web"));
        converge();
        reachable = false;
        StatusDocument doc = converge();
        assertThat(doc.source().stale()).isTrue();
        assertThat(doc.source().lastError()).contains("connection refused");
        assertThat(web(doc).phase()).isEqualTo(Phase.Running);
        assertThat(hypervisor.calls()).containsExactly("start web");
        reachable = true;
        doc = converge();
        assertThat(doc.source().stale()).isFalse();
        assertThat(doc.source().lastError()).isNull();
    }

    @Test
    void aGuestNothingAsksIsUnknownNotReady() {
        Partition quiet = Specs.partition("web");
        VmConfig v = quiet.vm();
        commit("r1", Specs.withVm(quiet, new VmConfig(v.name(), v.profile(), v.cpus(), v.memoryBytes(), v.maxMemoryBytes(),
                v.boot(), v.disks(), v.networks(), v.devices(), IntegrationServices.NONE, v.shutdownGracePeriod())));
        PartitionStatus web = web(converge());
        assertThat(web.phase()).isEqualTo(Phase.Running);
        assertThat(web.conditions()).filteredOn(c -> c.type().equals(Condition.GUEST_READY)).singleElement()
                .satisfies(c -> {
                    assertThat(c.status()).isEqualTo("Unknown");
                    assertThat(c.reason()).isEqualTo("NoAgent");
                    assertThat(c.message()).contains("shows only on its console");
                });
    }

    @Test
    void statusShowsTheMachineAsItIsAndAStoppedGuestAsLastSeen() throws Exception {
        commit("r1", Specs.partition("web"));
        PartitionStatus web = web(converge());
        assertThat(web.phase()).isEqualTo(Phase.Running);
        assertThat(web.worker().cpus()).isEqualTo(1);
        assertThat(web.worker().memoryBytes()).as("booted with maxMemory").isEqualTo(256 * Specs.MI);
        assertThat(web.worker().balloonBytes()).isEqualTo(128 * Specs.MI);
        // The worker runs, its guest has not answered: not ready, and since when.
        assertThat(web.conditions()).anySatisfy(c -> {
            assertThat(c.type()).isEqualTo(Condition.GUEST_READY);
            assertThat(c.status()).isEqualTo("False");
            assertThat(c.reason()).isEqualTo("NoHeartbeat");
            assertThat(c.message()).contains("since the worker started at 2026-11-23T12:00:00Z");
        });
        assertThat(web.guest().current()).isFalse();

        Instant seen = hypervisor.worker(WEB).orElseThrow().probeGuest().heartbeatAt().orElseThrow();
        web = web(converge());
        assertThat(web.guest().current()).isTrue();
        assertThat(web.guest().hostname()).isEqualTo("web");
        assertThat(web.conditions()).anySatisfy(c -> {
            assertThat(c.type()).isEqualTo(Condition.GUEST_READY);
            assertThat(c.status()).isEqualTo("True");
        });

        commit("r2", Specs.with(Specs.partition("web"), RunState.STOPPED));
        web = web(converge());
        assertThat(web.phase()).isEqualTo(Phase.Stopped);
        assertThat(web.worker()).isNull();
        assertThat(web.guest().hostname()).as("as last seen").isEqualTo("web");
        assertThat(web.guest().heartbeatAt()).isEqualTo(seen);
        assertThat(web.guest().current()).isFalse();
    }

    private static Partition withNetworks(Partition p, dev.celadon.hypervisor.NetworkConfig... nics) {
        VmConfig vm = p.vm();
        return Specs.withVm(p, new VmConfig(vm.name(), vm.profile(), vm.cpus(), vm.memoryBytes(), vm.maxMemoryBytes(), vm.boot(),
                vm.disks(), List.of(nics), vm.devices(), vm.integration(), vm.shutdownGracePeriod()));
    }

    @Test
    void statusShowsEachNicWithTheGuestsAddressesForItsMacAndAMissingBridgeFailsThatPartitionOnly() throws Exception {
        hypervisor.setBridges(java.util.Set.of("celadon0"));
        var lan = new dev.celadon.hypervisor.NetworkConfig("lan",
                new dev.celadon.hypervisor.NetworkConfig.Bridge("celadon0", java.util.OptionalInt.of(20)));
        var mgmt = new dev.celadon.hypervisor.NetworkConfig("mgmt", new dev.celadon.hypervisor.NetworkConfig.User(List.of()),
                java.util.Optional.of(dev.celadon.hypervisor.NicModel.E1000));
        var elsewhere = new dev.celadon.hypervisor.NetworkConfig("lan", new dev.celadon.hypervisor.NetworkConfig.Bridge("br9"));
        commit("r1", withNetworks(Specs.partition("web"), lan, mgmt), withNetworks(Specs.partition("db"), elsewhere));
        StatusDocument doc = converge();
        PartitionStatus web = web(doc);
        assertThat(web.phase()).isEqualTo(Phase.Running);
        var nics = hypervisor.worker(WEB).orElseThrow().status().nics();
        assertThat(web.networks()).containsExactly(
                new dev.celadon.reconciler.status.NetworkView("lan", nics.get(0).mac(), nics.get(0).tap().orElseThrow(),
                        "celadon0", 20, "virtio", List.of()),
                new dev.celadon.reconciler.status.NetworkView("mgmt", nics.get(1).mac(), null, null, null, "e1000", List.of()));

        hypervisor.worker(WEB).orElseThrow().probeGuest();
        web = web(converge());
        assertThat(web.networks()).extracting(dev.celadon.reconciler.status.NetworkView::addresses)
                .as("each NIC's own, matched by MAC").containsExactly(List.of("10.0.0.15/24"), List.of("10.0.1.15/24"));

        PartitionStatus db = doc.partitions().stream().filter(p -> p.name().equals("db")).findFirst().orElseThrow();
        assertThat(db.phase()).isNotEqualTo(Phase.Running);
        assertThat(db.networks()).isEmpty();
        assertThat(db.conditions()).anySatisfy(c -> {
            assertThat(c.type()).isEqualTo(Condition.RECONCILE_FAILED);
            assertThat(c.reason()).isEqualTo("BridgeMissing");
            assertThat(c.message()).startsWith("db.yaml:1:1: spec.networks[0].bridge: there is no bridge br9 on this host");
        });
    }

    @Test
    void theSummaryCountsWhatShouldRunWhatRunsAndWhatFailed() {
        PartitionName bad = new PartitionName("bad");
        PartitionName waits = new PartitionName("waits");
        commit("r1", Specs.partition("web"), Specs.with(Specs.partition("db"), RunState.STOPPED),
                Specs.partition("bad"), Specs.partition("waits"));
        hypervisor.failNextStart(bad, new InvalidVmConfigException(bad, "boot.kernel", "not a kernel"));
        hypervisor.failNextStart(waits, new dev.celadon.hypervisor.HostFileMissingException(waits, "disks[0].image",
                "tiny/base.qcow2 not found in the images dirs", List.of()));
        StatusDocument doc = converge();
        assertThat(doc.summary()).as("db is declared Stopped: not one that should run")
                .isEqualTo(new dev.celadon.reconciler.status.Summary(3, 1, 2));
    }

    @Test
    void runStateStoppedStopsAndRunningStartsAgain() {
        commit("r1", Specs.partition("web"));
        converge();
        commit("r2", Specs.with(Specs.partition("web"), RunState.STOPPED));
        assertThat(web(converge()).phase()).isEqualTo(Phase.Stopped);
        commit("r3", Specs.partition("web"));
        assertThat(web(converge()).phase()).isEqualTo(Phase.Running);
        assertThat(hypervisor.calls()).containsExactly("start web", "stop web", "start web");
        assertThat(web(store.document()).restarts()).isZero();
    }

    @Test
    void aBiggerDiskGrowsLiveAndASmallerOneIsRefusedWhileItKeepsRunning() {
        commit("r1", Specs.withDisks(Specs.partition("web"), new DiskConfig("data", new DiskConfig.Blank(Specs.MI * 1024))));
        converge();
        commit("r2", Specs.withDisks(Specs.partition("web"), new DiskConfig("data", new DiskConfig.Blank(Specs.MI * 2048))));
        StatusDocument grown = converge();
        assertThat(hypervisor.calls()).containsExactly("start web", "grow-disks web");
        assertThat(web(grown).phase()).isEqualTo(Phase.Running);
        assertThat(web(grown).revision()).isEqualTo("r2");

        commit("r3", Specs.withDisks(Specs.partition("web"), new DiskConfig("data", new DiskConfig.Blank(Specs.MI * 512))));
        StatusDocument refused = converge();
        assertThat(hypervisor.calls()).containsExactly("start web", "grow-disks web");
        assertThat(web(refused).phase()).isEqualTo(Phase.Running);
        assertThat(web(refused).revision()).as("r3 is not applied to it").isEqualTo("r2");
        assertThat(web(refused).conditions()).anySatisfy(c -> {
            assertThat(c.type()).isEqualTo(Condition.CHANGE_REFUSED);
            assertThat(c.reason()).isEqualTo("DiskShrink");
            assertThat(c.message()).contains("disks.data.size 2Gi → 512Mi", "never shrunk");
        });
    }

    @Test
    void crashIsRestartedAfterBackoffAndCountedAcrossReconcilerRestarts() {
        commit("r1", Specs.partition("web"));
        converge();
        hypervisor.crash(WEB, StopReason.WORKER_KILLED);
        StatusDocument doc = converge();
        assertThat(web(doc).phase()).isEqualTo(Phase.Failed);
        assertThat(web(doc).pending()).contains("restart after worker killed", "backing off 10s");
        clock.advance(Duration.ofSeconds(11));
        doc = converge();
        assertThat(web(doc).phase()).isEqualTo(Phase.Running);
        assertThat(web(doc).restarts()).isEqualTo(1);

        loop.close();
        loop = newLoop();
        assertThat(web(converge()).restarts()).isEqualTo(1);
        assertThat(hypervisor.calls()).containsExactly("start web", "start web");
    }

    @Test
    void transientStartFailureBacksOffThenSucceeds() {
        commit("r1", Specs.partition("web"));
        hypervisor.failNextStart(WEB, new WorkerLaunchException(WEB, "qemu exited with 1", "boom", null));
        StatusDocument doc = converge();
        assertThat(web(doc).phase()).isEqualTo(Phase.Failed);
        assertThat(web(doc).conditions()).anySatisfy(c -> {
            assertThat(c.type()).isEqualTo(Condition.RECONCILE_FAILED);
            assertThat(c.message()).contains("qemu exited with 1", "retrying at");
        });
        assertThat(hypervisor.calls()).containsExactly("start web");
        clock.advance(Duration.ofSeconds(3));
        assertThat(web(converge()).phase()).isEqualTo(Phase.Running);
        assertThat(hypervisor.calls()).containsExactly("start web", "start web");
    }

    @Test
    void specErrorFromTheHypervisorStallsUntilANewRevision() {
        commit("r1", Specs.partition("web"));
        hypervisor.failNextStart(WEB, new InvalidVmConfigException(WEB, "boot.kernel", "tiny/vmlinuz not found"));
        StatusDocument doc = converge();
        assertThat(web(doc).phase()).isEqualTo(Phase.Failed);
        clock.advance(Duration.ofMinutes(10));
        converge();
        assertThat(hypervisor.calls()).containsExactly("start web");
        commit("r2", Specs.withCpus(Specs.partition("web"), 2));
        assertThat(web(converge()).phase()).isEqualTo(Phase.Running);
    }

    @Test
    void protectedPartitionRemovedFromGitKeepsRunningAcrossReconcilerRestarts() {
        Partition web = Specs.partition("web");
        commit("r1", new Partition(web.name(), web.labels(), web.runState(), web.placement(), web.vm(),
                web.restartPolicy(), web.deletionPolicy(), true, web.source()));
        converge();
        commit("r2");
        StatusDocument doc = converge();
        assertThat(web(doc).phase()).isEqualTo(Phase.Running);
        assertThat(web(doc).conditions()).anySatisfy(c -> assertThat(c.type()).isEqualTo(Condition.DELETION_REFUSED));
        loop.close();
        loop = newLoop();
        converge();
        assertThat(hypervisor.calls()).containsExactly("start web");
    }

    @Test
    void removedPartitionIsStoppedAndDeletedWithItsDisksRetained() {
        commit("r1", Specs.partition("web"));
        converge();
        commit("r2");
        StatusDocument doc = converge();
        assertThat(hypervisor.calls()).containsExactly("start web", "stop web", "delete web");
        assertThat(doc.partitions()).isEmpty();
        assertThat(hypervisor.disksDeleted()).isEmpty();
    }

    @Test
    void reconcilerRestartWhileGitIsDownTouchesNothing() {
        commit("r1", Specs.partition("web"));
        converge();
        hypervisor.crash(WEB, StopReason.WORKER_KILLED);
        loop.close();
        reachable = false;
        loop = newLoop();
        loop.tick();
        StatusDocument doc = converge();
        assertThat(hypervisor.calls()).containsExactly("start web");
        assertThat(web(doc).phase()).isEqualTo(Phase.Failed);
        assertThat(doc.source().stale()).isTrue();
    }

    @Test
    void reconcilerRestartWhileGitIsDownFollowsTheLastCheckout() {
        commit("r1", Specs.partition("web"));
        converge();
        hypervisor.crash(WEB, StopReason.WORKER_KILLED);
        loop.close();
        reachable = false;
        onDisk = "r1";
        loop = newLoop();
        clock.advance(Duration.ofSeconds(11));
        StatusDocument doc = converge();
        assertThat(hypervisor.calls()).containsExactly("start web", "start web");
        assertThat(web(doc).phase()).isEqualTo(Phase.Running);
        assertThat(web(doc).restarts()).isEqualTo(1);
        assertThat(doc.source().revision()).isEqualTo("r1");
        assertThat(doc.source().stale()).isTrue();
        assertThat(doc.source().lastError()).contains("connection refused", "following revision r1 from the last checkout");
    }

    @Test
    void anInvalidLastCheckoutIsNotFollowed() {
        commit("r1", Specs.partition("web"));
        converge();
        revisions.put("r2", new SpecSet(List.of(), List.of(), List.of(new SpecError("web.yaml", 1, 1, "kind", "bad"))));
        loop.close();
        reachable = false;
        onDisk = "r2";
        loop = newLoop();
        StatusDocument doc = converge();
        assertThat(hypervisor.calls()).containsExactly("start web");
        assertThat(doc.source().revision()).isNull();
    }

    @Test
    void closingTheLoopLeavesWorkersRunning() {
        commit("r1", Specs.partition("web"));
        converge();
        loop.close();
        assertThat(hypervisor.observe()).singleElement()
                .satisfies(w -> assertThat(w.state().isAlive()).isTrue());
    }

    /** The history's events, as {@code TYPE partition action revision reason}, nulls left out. */
    private List<String> eventLines() {
        return events.stream().map(e -> java.util.stream.Stream.of(e.type().name(), e.partition(), e.action(),
                e.revision(), e.reason()).filter(java.util.Objects::nonNull)
                .collect(java.util.stream.Collectors.joining(" "))).toList();
    }

    @Test
    void theHistoryHasTheRevisionFetchedAndEachActionPlannedThenApplied() {
        commit("r1", Specs.partition("web"));
        converge();

        assertThat(eventLines()).containsExactly("RevisionFetched r1", "ActionPlanned web create r1",
                "ActionApplied web create r1");
        assertThat(events.get(1).message()).isEqualTo("create: new partition");
        assertThat(events.get(2).durationMillis()).isNotNull().isNotNegative();
        assertThat(events.getFirst().durationMillis()).isNotNull();

        converge();
        assertThat(events).as("an unchanged revision and a partition in sync are no events").hasSize(3);
    }

    @Test
    void anInvalidRevisionIsRefusedWithItsFirstError() {
        commit("r1", Specs.partition("web"));
        converge();
        events.clear();
        revisions.put("r2", new SpecSet(List.of(), List.of(), List.of(new SpecError("web.yaml", 7, 10, "spec.cpus", "must be at least 1"))));
        head = "r2";
        converge();

        assertThat(eventLines()).containsExactly("RevisionFetched r2", "RevisionRefused r2 SpecErrors");
        assertThat(events.get(1).message()).contains("r2 rejected", "r1 stays in force", "web.yaml:7:10: spec.cpus: must be at least 1");
    }

    /** A retry is not planned again, the same failure is not recorded twice, and the success says after how many. */
    @Test
    void aFailingActionIsOneFailureInTheHistoryUntilItIsApplied() {
        commit("r1", Specs.partition("web"));
        for (int attempt = 0; attempt < 3; attempt++) {
            hypervisor.failNextStart(WEB, new WorkerLaunchException(WEB, "qemu exited with 1", "boom", null));
            converge();
            clock.advance(Duration.ofMinutes(1));
        }
        hypervisor.failNextStart(WEB, new InvalidVmConfigException(WEB, "boot.kernel", "tiny/vmlinuz not found"));
        converge();
        commit("r2", Specs.withCpus(Specs.partition("web"), 2));
        converge();

        assertThat(eventLines()).containsExactly("RevisionFetched r1", "ActionPlanned web create r1",
                "ActionFailed web create r1 WorkerLaunch", "ActionFailed web create r1 InvalidVmConfig",
                "RevisionFetched r2", "ActionPlanned web create r2", "ActionApplied web create r2");
        assertThat(hypervisor.calls()).hasSize(5);
        assertThat(events.get(2).message()).contains("qemu exited with 1");
    }

    @Test
    void aRetryThatSucceedsSaysAfterHowManyAttempts() {
        commit("r1", Specs.partition("web"));
        hypervisor.failNextStart(WEB, new WorkerLaunchException(WEB, "qemu exited with 1", "boom", null));
        converge();
        clock.advance(Duration.ofSeconds(3));
        converge();

        assertThat(eventLines()).containsExactly("RevisionFetched r1", "ActionPlanned web create r1",
                "ActionFailed web create r1 WorkerLaunch", "ActionApplied web create r1");
        assertThat(events.getLast().message()).isEqualTo("create: new partition (after 2 attempts)");
    }

    /** Every action the loop dispatches has a name the metrics count; the others have none. */
    @Test
    void everyDispatchedActionHasANameTheMetricsKnow() {
        Partition web = Specs.partition("web");
        List<dev.celadon.reconciler.plan.Action> dispatched = List.of(new dev.celadon.reconciler.plan.Action.Create(web),
                new dev.celadon.reconciler.plan.Action.Start(web, "crashed", true, 1),
                new dev.celadon.reconciler.plan.Action.Stop(WEB, Duration.ofSeconds(1), "runState Stopped"),
                new dev.celadon.reconciler.plan.Action.Restart(web, List.of()),
                new dev.celadon.reconciler.plan.Action.UpdateMemory(web, new dev.celadon.reconciler.plan.Change("memory", "1", "2")),
                new dev.celadon.reconciler.plan.Action.GrowDisks(web, List.of()),
                new dev.celadon.reconciler.plan.Action.Delete(WEB, false, Duration.ofSeconds(1), "gone"));
        assertThat(dispatched).extracting(ActionEvents::name)
                .containsExactlyElementsOf(dev.celadon.reconciler.status.ReconcileMetrics.ACTIONS);
        assertThat(ActionEvents.name(new dev.celadon.reconciler.plan.Action.InSync(WEB))).isNull();
    }
}
