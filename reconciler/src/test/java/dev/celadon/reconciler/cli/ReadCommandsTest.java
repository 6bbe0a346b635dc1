package dev.celadon.reconciler.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.celadon.reconciler.status.ApplianceInfo;
import dev.celadon.reconciler.status.Condition;
import dev.celadon.reconciler.status.ErrorView;
import dev.celadon.reconciler.status.Event;
import dev.celadon.reconciler.status.EventHistory;
import dev.celadon.reconciler.status.EventType;
import dev.celadon.reconciler.status.GuestView;
import dev.celadon.reconciler.status.PartitionStatus;
import dev.celadon.reconciler.status.Phase;
import dev.celadon.reconciler.status.SourceStatus;
import dev.celadon.reconciler.status.StatusDocument;
import dev.celadon.reconciler.status.StatusStore;
import dev.celadon.reconciler.status.Summary;
import dev.celadon.reconciler.status.WorkerView;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code status [URL]} and {@code events [URL]} against a real server, the status API's own (@QuarkusTest, with
 * the documents this test publishes): tables, JSON, exit statuses, and one line for whatever goes wrong.
 */
@QuarkusTest
class ReadCommandsTest {

    private static final Instant AT = Instant.parse("2026-11-30T12:00:00Z");
    private static final String REVISION = "0123456789abcdef0123456789abcdef01234567";
    private static final String NEWER = "fedcba9876543210fedcba9876543210fedcba98";

    @TestHTTPResource("/")
    URL server;

    @Inject
    StatusStore store;

    @Inject
    EventHistory history;

    private record Run(int exit, String out, String err) {
    }

    private Run run(Duration timeout, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CommandLine.Outcome outcome = new CommandLine(Map.of(), new Properties(),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                timeout).execute(List.of(args));
        assertThat(outcome).isInstanceOf(CommandLine.Exit.class);
        return new Run(((CommandLine.Exit) outcome).status(), out.toString(StandardCharsets.UTF_8),
                err.toString(StandardCharsets.UTF_8));
    }

    private Run run(String... args) {
        return run(Duration.ofSeconds(10), args);
    }

    private String url() {
        return server.toString();
    }

    private static PartitionStatus running(String name) {
        return new PartitionStatus(name, Phase.Running, "Running", REVISION, new WorkerView(4242, "tcg", 1, 128L << 20, null, "none"),
                new GuestView(AT, "Celadon tiny guest", name, List.of(), true),
                List.of(new Condition(Condition.GUEST_READY, "True", "AgentAnswered", "ok", AT)), 0, null);
    }

    private static StatusDocument healthy() {
        return new StatusDocument(new ApplianceInfo("host-a", "0.1.0", null, null, "tcg", Map.of(), dev.celadon.reconciler.status.ApplianceNetwork.UNKNOWN),
                new SourceStatus("https://git.example/fleet.git", "main", REVISION, AT, null, false, null), List.of(),
                List.of(running("web-01"), running("database-primary")), new Summary(2, 2, 0));
    }

    @Test
    void statusPrintsAlignedTablesAndExitsZeroWhenAllIsWell() {
        store.publish(healthy());

        Run run = run("status", url());

        assertThat(run.err()).isEmpty();
        assertThat(run.exit()).isZero();
        List<String> lines = run.out().lines().toList();
        assertThat(lines).contains("APPLIANCE  host-a (accel tcg, version 0.1.0)",
                "SOURCE     https://git.example/fleet.git (main)", "2 desired, 2 running, 0 failed");
        assertThat(lines).anySatisfy(line -> assertThat(line).startsWith("REVISION   0123456, synced 2026-11-30T12:00:00Z ("));
        int header = lines.indexOf(lines.stream().filter(l -> l.startsWith("NAME")).findFirst().orElseThrow());
        assertThat(lines.get(header)).isEqualTo(
                "NAME              PHASE    DESIRED  REVISION  PID   RESTARTS  CONDITIONS  PENDING");
        assertThat(lines.get(header + 1)).isEqualTo(
                "web-01            Running  Running  0123456   4242  0         OK          -");
        assertThat(lines.get(header + 2)).isEqualTo(
                "database-primary  Running  Running  0123456   4242  0         OK          -");
    }

    @Test
    void statusExitsOneWhenAPartitionFailed() {
        PartitionStatus failed = new PartitionStatus("web-02", Phase.Failed, "Running", REVISION, null, GuestView.UNKNOWN,
                List.of(new Condition(Condition.RECONCILE_FAILED, "True", "WorkerLaunch", "qemu exited 1", AT)), 3, null);
        store.publish(new StatusDocument(healthy().appliance(), healthy().source(), List.of(),
                List.of(running("web-01"), failed), new Summary(2, 1, 1)));

        Run run = run("status", url());

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out()).contains("web-02  Failed   Running  0123456   -     3         ReconcileFailed WorkerLaunch  -",
                "2 desired, 1 running, 1 failed");
    }

    @Test
    void statusExitsOneWhenTheNewestRevisionWasRefused() {
        String error = "revision " + NEWER + " rejected: 1 error in the specs; revision " + REVISION + " stays in force";
        store.publish(new StatusDocument(healthy().appliance(),
                new SourceStatus("https://git.example/fleet.git", "main", REVISION, AT, error, false),
                List.of(new ErrorView("web.yaml", 7, 10, "spec.cpus", "must be at least 1", NEWER)),
                healthy().partitions(), healthy().summary()));

        Run run = run("status", url());

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out()).contains("NOT APPLIED  " + error,
                "SPEC ERRORS: revision fedcba9 was rejected as a whole; the last good revision stays in force",
                "web.yaml:7:10: spec.cpus: must be at least 1");
    }

    @Test
    void jsonForScriptsIsTheApisOwnAndGatesToo() throws IOException {
        store.publish(healthy());

        Run run = run("status", "-o", "json", url());

        assertThat(run.exit()).isZero();
        assertThat(new ObjectMapper().readTree(run.out()).path("partitions").get(0).path("name").asText()).isEqualTo("web-01");
    }

    @Test
    void eventsPrintsTheNewestAsATableOldestFirst() {
        String name = "p-" + UUID.randomUUID().toString().substring(0, 8);
        history.record(Event.action(EventType.ActionPlanned, AT, name, REVISION, "create", null, "create: new partition", null));
        history.record(Event.action(EventType.ActionApplied, AT.plusSeconds(3), name, REVISION, "create", null,
                "create: new partition", Duration.ofMillis(2345)));

        Run run = run("events", "--limit", "2", url());

        assertThat(run.err()).isEmpty();
        assertThat(run.exit()).isZero();
        String pad = " ".repeat(name.length() - "PARTITION".length());
        assertThat(run.out().lines()).containsExactly(
                "WHEN                  EVENT          PARTITION" + pad + "  ACTION  REVISION  TOOK   REASON  MESSAGE",
                "2026-11-30T12:00:00Z  ActionPlanned  " + name + "  create  0123456   -      -       create: new partition",
                "2026-11-30T12:00:03Z  ActionApplied  " + name + "  create  0123456   2.3 s  -       create: new partition");
    }

    @Test
    void eventsAsJson() throws IOException {
        history.record(Event.revisionFetched(AT, NEWER, Duration.ofMillis(12)));

        Run run = run("events", "-o", "json", "--limit", "1", url());

        assertThat(run.exit()).isZero();
        assertThat(new ObjectMapper().readTree(run.out()).path("events").get(0).path("revision").asText()).isEqualTo(NEWER);
    }

    /** Whoever commits writes the messages: nothing in them may drive the terminal. */
    @Test
    void controlCharactersFromGitNeverReachTheTerminal() {
        history.record(Event.action(EventType.ActionFailed, AT, "web-01", REVISION, "start", "WorkerLaunch",
                "boom\u001b]0;pwned\u0007\u001b[2J\r\nFAKE LINE\u202e", null));

        Run run = run("events", "--limit", "1", url());

        assertThat(run.out()).doesNotContain("\u001b", "\u0007", "\r", "\u202e").contains("boom?]0;pwned??[2J??FAKE LINE?");
        assertThat(run.out().lines()).hasSize(2);
    }

    @Test
    void aReconcilerThatIsNotThereIsOneLineAndExitTwo() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }

        Run run = run("status", "http://127.0.0.1:" + port);

        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).isEqualTo("celadon: cannot reach http://127.0.0.1:" + port
                + "/status: connection refused (is the reconciler running?)\n");
    }

    @Test
    void aReconcilerThatHangsIsOneLineAndExitTwoWithinTheTimeout() throws Exception {
        List<Socket> accepted = new ArrayList<>();
        try (ServerSocket hung = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            Thread acceptor = Thread.ofVirtual().start(() -> {
                try {
                    while (true) {
                        accepted.add(hung.accept()); // and never answer
                    }
                } catch (IOException e) {
                    // closed by the test
                }
            });
            long started = System.nanoTime();
            Run run = run(Duration.ofSeconds(1), "events", "http://127.0.0.1:" + hung.getLocalPort());

            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(8));
            assertThat(run.exit()).isEqualTo(2);
            assertThat(run.err()).isEqualTo("celadon: http://127.0.0.1:" + hung.getLocalPort()
                    + "/status/events did not answer within 1 s\n");
            acceptor.interrupt();
        } finally {
            for (Socket socket : accepted) {
                socket.close();
            }
        }
    }

    @Test
    void somethingElseThanAReconcilerIsOneLineAndExitTwo() {
        Run notFound = run("status", url() + "nothing-here");
        assertThat(notFound.exit()).isEqualTo(2);
        assertThat(notFound.err()).startsWith("celadon: " + url() + "nothing-here/status answered 404").hasLineCount(1);

        Run notStatus = run("status", url() + "q/openapi?format=json".replace("?format=json", ""));
        assertThat(notStatus.exit()).isEqualTo(2);
        assertThat(notStatus.err()).hasLineCount(1);
    }

    @Test
    void usageErrorsExitTwo() {
        for (List<String> args : List.of(List.of("status", "-o", "yaml"), List.of("status", "--limit", "3"),
                List.of("events", "--limit", "0"), List.of("events", "--limit"), List.of("status", "a", "b"),
                List.of("status", "ftp://host"), List.of("events", "--frobnicate"), List.of("status", "localhost:8080"))) {
            Run run = run(args.toArray(String[]::new));
            assertThat(run.exit()).as("%s", args).isEqualTo(2);
            assertThat(run.err()).as("%s", args).startsWith("celadon: " + args.getFirst() + ": ").contains("usage:");
            assertThat(run.out()).isEmpty();
        }
    }

    @Test
    void aLimitTheServerRefusesIsItsMessage() {
        Run run = run("events", "--limit", "20000", url());

        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err()).isEqualTo("celadon: " + url() + "status/events?limit=20000 answered 400: limit='20000' is not"
                + " a whole number of events from 1 to " + EventHistory.MAX_RETAINED + "\n");
    }
}
