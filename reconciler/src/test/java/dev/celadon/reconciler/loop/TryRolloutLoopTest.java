package dev.celadon.reconciler.loop;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.celadon.hypervisor.PartitionName;
import dev.celadon.hypervisor.fake.FakeHypervisor;
import dev.celadon.reconciler.upgrade.ApplianceUpgrades;
import dev.celadon.reconciler.config.JavaTimeJson;
import dev.celadon.reconciler.images.ImageSettings;
import dev.celadon.reconciler.plan.Specs;
import dev.celadon.reconciler.plan.Trial;
import dev.celadon.reconciler.spec.Partition;
import dev.celadon.reconciler.spec.Rollout;
import dev.celadon.reconciler.spec.SpecSet;
import dev.celadon.reconciler.status.Condition;
import dev.celadon.reconciler.status.Event;
import dev.celadon.reconciler.status.EventType;
import dev.celadon.reconciler.status.PartitionStatus;
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
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Try rollouts through the loop, stepped by hand against the fake hypervisor with a clock the test moves: the
 * ledger, the history and status as a trial begins, fails, is rolled back, and outlives a reconciler restart.
 * The fake's guests answer only when the test probes them, so "never Ready" is a guest nobody probes.
 */
class TryRolloutLoopTest {

    private static final PartitionName WEB = new PartitionName("web");
    private static final Duration TIMEOUT = Duration.ofMinutes(2);

    @TempDir
    Path stateDir;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T12:00:00Z"));
    private final FakeHypervisor hypervisor = new FakeHypervisor(clock);
    private final Map<String, SpecSet> revisions = new HashMap<>();
    private final ObjectMapper mapper = new ObjectMapper().registerModule(JavaTimeJson.module());
    private final StatusStore store = new StatusStore(mapper);
    private final List<Event> events = new CopyOnWriteArrayList<>();
    private String head;
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
            public Fetched fetch() {
                return new Fetched(head, stateDir.resolve(head));
            }

            @Override
            public Optional<Fetched> lastKnown() {
                return Optional.empty();
            }
        };
        LoopListener listener = new LoopListener() {
            @Override
            public void synced(String result) {
            }

            @Override
            public void reconciled(Duration took) {
            }

            @Override
            public void recorded(Event event) {
                events.add(event);
            }
        };
        ImageSettings images = new ImageSettings(stateDir.resolve("hypervisor"), List.of(stateDir.resolve("images")),
                1L << 30, Duration.ofHours(24), List.of(), Optional.empty(), ImageSettings.CONNECT_TIMEOUT,
                ImageSettings.STALL_TIMEOUT, 1);
        return new ReconcileLoop(settings, images, source, dir -> revisions.get(dir.getFileName().toString()), hypervisor,
                new Ledger(stateDir.resolve("ledger.json"), () -> mapper), store, listener,
                ApplianceUpgrades.Setup.none(stateDir.resolve("upgrade")), clock);
    }

    private static Partition web(int cpus) {
        return Specs.withCpus(Specs.with(Specs.partition("web"), new Rollout(Rollout.Strategy.TRY, TIMEOUT)), cpus);
    }

    private void commit(String revision, Partition... partitions) {
        revisions.put(revision, new SpecSet(List.of(partitions), List.of(), List.of()));
        head = revision;
    }

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

    private Optional<Condition> rolledBack(StatusDocument doc) {
        return web(doc).conditions().stream().filter(c -> c.type().equals(Condition.ROLLED_BACK)).findFirst();
    }

    private int cpus() {
        return hypervisor.worker(WEB).orElseThrow().status().config().cpus();
    }

    private void heartbeat() throws Exception {
        hypervisor.worker(WEB).orElseThrow().probeGuest();
    }

    private List<String> history() {
        return events.stream().filter(e -> "web".equals(e.partition()))
                .map(e -> e.type() + " " + e.action() + " " + e.revision() + (e.reason() == null ? "" : " " + e.reason()))
                .toList();
    }

    @Test
    void aChangeNotReadyInTimeIsRolledBackAndStaysUntilGitChangesThePartition() throws Exception {
        commit("r1", web(1));
        converge();
        heartbeat();
        commit("r2", web(2));
        StatusDocument doc = converge();
        assertThat(cpus()).isEqualTo(2);
        assertThat(rolledBack(doc)).hasValueSatisfying(c -> {
            assertThat(c.status()).isEqualTo("False");
            assertThat(c.reason()).isEqualTo("Trying");
            assertThat(c.message()).contains("revision r2", "must be Ready by 2026-11-23T12:02:00Z", "revision r1");
        });
        assertThat(new Ledger(stateDir.resolve("ledger.json"), () -> mapper).get(WEB).trial())
                .as("on disk before anything else happens").isNotNull()
                .satisfies(t -> assertThat(t.deadline()).isEqualTo(Instant.parse("2026-11-23T12:02:00Z")));

        clock.advance(TIMEOUT.minusSeconds(1));
        doc = converge();
        assertThat(cpus()).as("not yet").isEqualTo(2);

        clock.advance(Duration.ofSeconds(1));
        doc = converge();
        assertThat(cpus()).as("the previous machine again").isEqualTo(1);
        assertThat(web(doc).revision()).as("the revision its machine is from").isEqualTo("r1");
        assertThat(doc.source().revision()).as("the revision in force").isEqualTo("r2");
        assertThat(rolledBack(doc)).hasValueSatisfying(c -> {
            assertThat(c.status()).isEqualTo("True");
            assertThat(c.reason()).isEqualTo("NotReady");
            assertThat(c.message()).contains("revision r2 rolled back", "not Ready within 2m (heartbeat)",
                    "the machine of revision r1 runs again");
        });
        assertThat(history()).containsExactly(
                "ActionPlanned create r1", "ActionApplied create r1",
                "ActionPlanned restart r2", "ActionApplied restart r2",
                "ActionFailed restart r2 NotReady",
                "ActionPlanned restart r1", "ActionApplied restart r1",
                "ActionRolledBack restart r2 NotReady");
        Event failed = events.stream().filter(e -> e.type() == EventType.ActionFailed).findFirst().orElseThrow();
        assertThat(failed.durationMillis()).as("from the change to the verdict").isEqualTo(TIMEOUT.toMillis());

        // A commit that does not touch it: no retry.
        List<String> calls = List.copyOf(hypervisor.calls());
        commit("r3", web(2), Specs.partition("db"));
        doc = converge();
        assertThat(hypervisor.calls().stream().filter(c -> c.endsWith(" web")).toList())
                .isEqualTo(calls.stream().filter(c -> c.endsWith(" web")).toList());
        assertThat(cpus()).isEqualTo(1);
        assertThat(rolledBack(doc)).hasValueSatisfying(c -> assertThat(c.status()).isEqualTo("True"));

        // A reconciler restart keeps it rolled back.
        loop.close();
        loop = newLoop();
        doc = converge();
        assertThat(cpus()).isEqualTo(1);
        assertThat(rolledBack(doc)).hasValueSatisfying(c -> assertThat(c.status()).isEqualTo("True"));

        // Git changes the partition: tried again, and kept once Ready.
        commit("r4", Specs.withMemory(web(2), 128 * Specs.MI, 512 * Specs.MI), Specs.partition("db"));
        doc = converge();
        assertThat(hypervisor.worker(WEB).orElseThrow().status().config().maxMemoryBytes()).isEqualTo(512 * Specs.MI);
        assertThat(rolledBack(doc)).hasValueSatisfying(c -> assertThat(c.reason()).isEqualTo("Trying"));
        heartbeat();
        doc = converge();
        assertThat(rolledBack(doc)).as("the trial is over").isEmpty();
        assertThat(web(doc).revision()).isEqualTo("r4");
        clock.advance(TIMEOUT.plusMinutes(1));
        converge();
        assertThat(cpus()).as("kept after the deadline").isEqualTo(2);
    }

    @Test
    void aTryOutlivesAReconcilerRestartWithItsDeadlineAndIsJudgedOnlyOnceReadinessIsKnownAgain() throws Exception {
        commit("r1", web(1));
        converge();
        heartbeat();
        commit("r2", web(2));
        converge();
        loop.close();

        // Down past the deadline: the new loop waits until it has had the time to ask the guest.
        clock.advance(TIMEOUT.plusMinutes(1));
        loop = newLoop();
        StatusDocument doc = converge();
        assertThat(cpus()).as("not judged before it could ask").isEqualTo(2);
        assertThat(rolledBack(doc)).hasValueSatisfying(c -> assertThat(c.reason()).isEqualTo("Trying"));
        clock.advance(Readiness.HEARTBEAT_STALE);
        doc = converge();
        assertThat(cpus()).isEqualTo(1);
        assertThat(rolledBack(doc)).hasValueSatisfying(c -> assertThat(c.status()).isEqualTo("True"));
    }

    @Test
    void aTryThatBecomesReadyAfterARestartOfTheReconcilerIsKept() throws Exception {
        commit("r1", web(1));
        converge();
        heartbeat();
        commit("r2", web(2));
        converge();
        loop.close();
        clock.advance(Duration.ofSeconds(30));
        loop = newLoop();
        converge();
        heartbeat();
        StatusDocument doc = converge();
        assertThat(rolledBack(doc)).isEmpty();
        clock.advance(TIMEOUT);
        converge();
        assertThat(cpus()).isEqualTo(2);
        assertThat(new Ledger(stateDir.resolve("ledger.json"), () -> mapper).get(WEB).trial()).isNull();
    }

    @Test
    void aLiveMemoryChangeNotReadyInTimeIsUndoneLive() {
        commit("r1", web(1));
        converge();
        commit("r2", Specs.withMemory(web(1), 192 * Specs.MI, 256 * Specs.MI));
        converge();
        assertThat(hypervisor.calls()).last().isEqualTo("set-memory web " + 192 * Specs.MI);
        clock.advance(TIMEOUT);
        StatusDocument doc = converge();
        assertThat(hypervisor.calls()).last().isEqualTo("set-memory web " + 128 * Specs.MI);
        assertThat(history()).endsWith("ActionFailed update-memory r2 NotReady", "ActionPlanned update-memory r1",
                "ActionApplied update-memory r1", "ActionRolledBack update-memory r2 NotReady");
        assertThat(rolledBack(doc)).hasValueSatisfying(c -> assertThat(c.status()).isEqualTo("True"));
        assertThat(Trial.Phase.ROLLED_BACK).isEqualTo(new Ledger(stateDir.resolve("ledger.json"), () -> mapper)
                .get(WEB).trial().phase());
    }
}
