package dev.celadon.hypervisor.qemu.qmp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QmpClientTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    private ScriptedQmpServer server;
    private final List<QmpEvent> events = new CopyOnWriteArrayList<>();
    private final AtomicBoolean disconnected = new AtomicBoolean();
    private final QmpListener listener = new QmpListener() {
        @Override
        public void onEvent(QmpEvent event) {
            events.add(event);
        }

        @Override
        public void onDisconnect() {
            disconnected.set(true);
        }
    };

    @BeforeEach
    void startServer() throws Exception {
        server = ScriptedQmpServer.start(dir.resolve("qmp.sock"));
    }

    @AfterEach
    void stopServer() throws Exception {
        server.close();
    }

    @Test
    void negotiatesCapabilitiesBeforeAnythingElse() throws Exception {
        try (QmpClient client = QmpClient.connect(server.socket(), TIMEOUT, listener)) {
            assertThat(client.greeting().path("version").path("qemu").path("major").asInt()).isEqualTo(7);
            assertThat(client.execute(new QmpCommand.QueryStatus(), TIMEOUT)).isEqualTo(RunStatus.RUNNING);
        }
        assertThat(server.received()).containsExactly("qmp_capabilities", "query-status");
    }

    @Test
    void passesArgumentsAndReturnsTheValue() throws Exception {
        server.on("balloon", args -> {
            assertThat(args.path("value").asLong()).isEqualTo(536870912L);
            return ScriptedQmpServer.Reply.ok();
        });
        server.on("query-balloon", args -> new ScriptedQmpServer.Reply.Ok(
                JsonNodeFactory.instance.objectNode().put("actual", 536870912L)));
        try (QmpClient client = QmpClient.connect(server.socket(), TIMEOUT, listener)) {
            client.execute(new QmpCommand.SetBalloon(536870912L), TIMEOUT);
            assertThat(client.execute(new QmpCommand.QueryBalloon(), TIMEOUT)).isEqualTo(536870912L);
        }
        assertThat(server.received()).containsExactly("qmp_capabilities", "balloon", "query-balloon");
    }

    @Test
    void errorsAreTyped() throws Exception {
        server.on("balloon", args -> new ScriptedQmpServer.Reply.Error("DeviceNotActive", "No balloon device has been activated"));
        try (QmpClient client = QmpClient.connect(server.socket(), TIMEOUT, listener)) {
            assertThatThrownBy(() -> client.execute(new QmpCommand.SetBalloon(1), TIMEOUT))
                    .isInstanceOfSatisfying(QmpException.ErrorResponse.class, e -> {
                        assertThat(e.errorClass()).isEqualTo("DeviceNotActive");
                        assertThat(e.command()).isEqualTo("balloon");
                        assertThat(e).hasMessage("balloon: DeviceNotActive: No balloon device has been activated");
                    });
            server.on("query-balloon", args -> new ScriptedQmpServer.Reply.Error("CommandNotFound", "The command query-balloon has not been found"));
            assertThatThrownBy(() -> client.execute(new QmpCommand.QueryBalloon(), TIMEOUT))
                    .isInstanceOfSatisfying(QmpException.ErrorResponse.class, e -> assertThat(e.errorClass()).isEqualTo("CommandNotFound"));
        }
    }

    @Test
    void timeoutLeavesTheConnectionUsable() throws Exception {
        server.on("system_powerdown", args -> new ScriptedQmpServer.Reply.Silence());
        try (QmpClient client = QmpClient.connect(server.socket(), TIMEOUT, listener)) {
            assertThatThrownBy(() -> client.execute(new QmpCommand.SystemPowerdown(), Duration.ofMillis(200)))
                    .isInstanceOf(QmpException.Timeout.class).hasMessageContaining("within 200 ms");
            assertThat(client.execute(new QmpCommand.QueryStatus(), TIMEOUT)).isEqualTo(RunStatus.RUNNING);
        }
    }

    @Test
    void deliversEventsInOrder() throws Exception {
        try (QmpClient client = QmpClient.connect(server.socket(), TIMEOUT, listener)) {
            server.emit("POWERDOWN", JsonNodeFactory.instance.objectNode());
            server.emit("SHUTDOWN", JsonNodeFactory.instance.objectNode().put("guest", true).put("reason", "guest-shutdown"));
            server.emit("BALLOON_CHANGE", JsonNodeFactory.instance.objectNode().put("actual", 268435456L));
            server.emit("MIGRATION", JsonNodeFactory.instance.objectNode());
            await().atMost(TIMEOUT).until(() -> events.size() == 4);
            assertThat(events).extracting(QmpEvent::kind).containsExactly(
                    QmpEvent.Kind.POWERDOWN, QmpEvent.Kind.SHUTDOWN, QmpEvent.Kind.BALLOON_CHANGE, QmpEvent.Kind.OTHER);
            assertThat(events.get(1).data().path("reason").asText()).isEqualTo("guest-shutdown");
            assertThat(events.get(2).timestamp()).isNotNull();
        }
    }

    @Test
    void hangupFailsPendingCommandsAndTellsTheListener() throws Exception {
        server.on("quit", args -> new ScriptedQmpServer.Reply.Hangup());
        try (QmpClient client = QmpClient.connect(server.socket(), TIMEOUT, listener)) {
            assertThatThrownBy(() -> client.execute(new QmpCommand.Quit(), TIMEOUT)).isInstanceOf(QmpException.Disconnected.class);
            await().atMost(TIMEOUT).untilTrue(disconnected);
            assertThat(client.isConnected()).isFalse();
            assertThatThrownBy(() -> client.execute(new QmpCommand.QueryStatus(), TIMEOUT)).isInstanceOf(QmpException.Disconnected.class);
        }
    }

    @Test
    void connectingToNothingIsDisconnected() {
        assertThatThrownBy(() -> QmpClient.connect(dir.resolve("absent.sock"), TIMEOUT, listener))
                .isInstanceOf(QmpException.Disconnected.class).hasMessageContaining("absent.sock");
    }

    @Test
    void failedNegotiationClosesTheConnection() throws Exception {
        server.on("qmp_capabilities", args -> new ScriptedQmpServer.Reply.Error("GenericError", "negotiation refused"));
        assertThatThrownBy(() -> QmpClient.connect(server.socket(), TIMEOUT, listener))
                .isInstanceOf(QmpException.ErrorResponse.class).hasMessageContaining("negotiation refused");
        await().atMost(TIMEOUT).untilTrue(disconnected);
    }
}
