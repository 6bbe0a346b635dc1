package dev.celadon.hypervisor.qemu.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GuestAgentConnectionTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    private FakeGuestAgent agent;

    @BeforeEach
    void start() throws Exception {
        agent = FakeGuestAgent.start(dir.resolve("agent.sock"));
    }

    @AfterEach
    void stop() throws Exception {
        agent.close();
    }

    /** A session as the hypervisor uses one: connected, then synchronized before the first command. */
    private static GuestAgentConnection open(Path socket, Duration timeout) throws AgentException {
        GuestAgentConnection session = GuestAgentConnection.connect(socket, timeout);
        try {
            session.sync();
            return session;
        } catch (AgentException e) {
            session.close();
            throw e;
        }
    }

    @Test
    void servesTheIntegrationServices() throws Exception {
        try (GuestAgentConnection session = open(agent.socket(), TIMEOUT)) {
            session.ping();
            assertThat(session.osInfo().describe()).isEqualTo("Celadon tiny guest");
            assertThat(session.hostname()).isEqualTo("web-01");
            assertThat(session.interfaces()).extracting(GuestInterface::name).containsExactly("lo", "eth0");
            assertThat(session.interfaces().get(1).addresses()).containsExactly("10.0.2.15/24");
            Instant now = Instant.parse("2025-01-02T03:04:05.123456789Z");
            session.setTime(now);
            assertThat(agent.timeSet()).isEqualTo(now.getEpochSecond() * 1_000_000_000L + 123456789);
        }
    }

    @Test
    void syncSkipsLeftoversOfEarlierSessions() throws Exception {
        agent.leftovers("{\"return\": {}}\n\u00ff{\"return\": 12345}\n");
        try (GuestAgentConnection session = open(agent.socket(), TIMEOUT)) {
            assertThat(session.hostname()).isEqualTo("web-01");
        }
    }

    @Test
    void shutdownIsNotAnsweredAndStillSucceeds() throws Exception {
        try (GuestAgentConnection session = open(agent.socket(), TIMEOUT)) {
            session.shutdown();
        }
        assertThat(agent.shutdownRequested()).isTrue();
    }

    @Test
    void anAgentThatDoesNotAnswerTimesOut() {
        agent.silence("guest-sync-delimited");
        assertThatThrownBy(() -> open(agent.socket(), Duration.ofMillis(300)))
                .isInstanceOfSatisfying(AgentException.class, e -> {
                    assertThat(e.command()).isEqualTo("guest-sync-delimited");
                    assertThat(e.answered()).isFalse();
                    assertThat(e).hasMessageContaining("no answer within 300 ms");
                });
    }

    @Test
    void errorsCarryTheAgentsClass() throws Exception {
        try (GuestAgentConnection session = open(agent.socket(), TIMEOUT)) {
            agent.fail("guest-set-time", "Command guest-set-time has been disabled");
            assertThatThrownBy(() -> session.setTime(Instant.now())).isInstanceOfSatisfying(AgentException.class, e -> {
                assertThat(e.errorClass()).isEqualTo("GenericError");
                assertThat(e.answered()).isTrue();
                assertThat(e).hasMessage("guest-set-time: GenericError: Command guest-set-time has been disabled");
            });
            agent.fail("guest-shutdown", "Command guest-shutdown has been disabled");
            assertThatThrownBy(session::shutdown).isInstanceOf(AgentException.class).hasMessageContaining("disabled");
        }
    }

    @Test
    void noSocketNoSession() {
        assertThatThrownBy(() -> open(dir.resolve("absent.sock"), TIMEOUT))
                .isInstanceOfSatisfying(AgentException.class, e -> assertThat(e.command()).isEqualTo("connect"));
    }
}
