package dev.celadon.hypervisor.qemu;

import dev.celadon.hypervisor.GuestAgentException;
import dev.celadon.hypervisor.GuestInfo;
import dev.celadon.hypervisor.PartitionName;
import dev.celadon.hypervisor.VmConfig;
import dev.celadon.hypervisor.qemu.agent.FakeGuestAgent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The agent session a worker holds: one connection across probes, made again only when its channel fails. */
class GuestIntegrationTest {

    private static final VmConfig CONFIG = KernelOnlyConfig.of(new PartitionName("web-01"));

    @TempDir
    Path dir;

    private FakeGuestAgent agent;
    private GuestIntegration guest;

    @BeforeEach
    void start() throws Exception {
        agent = FakeGuestAgent.start(dir.resolve("agent.sock"));
        guest = new GuestIntegration(new PartitionName("web-01"), agent.socket(), Duration.ofSeconds(2));
    }

    @AfterEach
    void stop() throws Exception {
        guest.close();
        agent.close();
    }

    @Test
    void probesShareOneHeldConnection() throws Exception {
        for (int i = 0; i < 5; i++) {
            assertThat(guest.probe(CONFIG).hostname()).hasValue("web-01");
        }
        assertThat(agent.sessions()).as("connections the agent accepted").isEqualTo(1);
    }

    @Test
    void eachInterfacesAddressesAreKeptByItsMacForTheNicsStatus() throws Exception {
        GuestInfo info = guest.probe(CONFIG);
        assertThat(info.addresses()).containsExactly("10.0.2.15/24");
        assertThat(info.interfaces()).as("loopback is no NIC").containsExactly(
                new GuestInfo.Interface("52:54:00:12:34:56", List.of("10.0.2.15/24")));
        assertThat(info.addressesOf("52:54:00:12:34:56")).containsExactly("10.0.2.15/24");
        assertThat(info.addressesOf("52:54:00:12:34:5A".toLowerCase())).isEmpty();
        assertThat(info.addressesOf("52:54:00:12:34:56".toUpperCase())).as("any case").containsExactly("10.0.2.15/24");
    }

    @Test
    void aSilentAgentKeepsTheSessionAndIsHeardOnceItAnswers() throws Exception {
        agent.silence("guest-sync-delimited");
        assertThatThrownBy(() -> guest.probe(CONFIG)).isInstanceOf(GuestAgentException.class)
                .hasMessageContaining("no answer");
        agent.unsilence("guest-sync-delimited");
        assertThat(guest.probe(CONFIG).heartbeatAt()).isPresent();
        assertThat(agent.sessions()).isEqualTo(1);
    }

    @Test
    void aClosedChannelIsMadeAgainAtTheNextProbe() throws Exception {
        guest.probe(CONFIG);
        agent.dropSessions();
        assertThatThrownBy(() -> guest.probe(CONFIG)).isInstanceOf(GuestAgentException.class);
        assertThat(guest.probe(CONFIG).heartbeatAt()).isPresent();
        assertThat(agent.sessions()).isEqualTo(2);
    }

    @Test
    void shutdownEndsTheSession() throws Exception {
        guest.probe(CONFIG);
        assertThat(guest.shutdown()).isEqualTo(GuestIntegration.ShutdownRequest.SENT);
        assertThat(agent.shutdownRequested()).isTrue();
        guest.probe(CONFIG);
        assertThat(agent.sessions()).isEqualTo(2);
    }
}
