package dev.celadon.hypervisor.qemu.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * A client for one QEMU monitor socket in control mode (QMP). See the package description for the
 * protocol. Thread-safe: commands may be issued from any thread; answers are matched by id, so a
 * command that timed out does not confuse the next one.
 */
public final class QmpClient implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(QmpClient.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String GREETING = "greeting";

    private final SocketChannel channel;
    private final QmpListener listener;
    private final String label;
    private final Map<String, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Object writeLock = new Object();
    private volatile JsonNode greeting;

    private QmpClient(SocketChannel channel, QmpListener listener, String label) {
        this.channel = channel;
        this.listener = listener;
        this.label = label;
    }

    /**
     * Connects, waits for the greeting and negotiates capabilities (steps 1–3 of the protocol).
     * Events are delivered to {@code listener} from then on.
     */
    public static QmpClient connect(Path socket, Duration timeout, QmpListener listener) throws QmpException {
        SocketChannel channel;
        try {
            channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                channel.connect(UnixDomainSocketAddress.of(socket));
            } catch (IOException e) {
                channel.close();
                throw e;
            }
        } catch (IOException e) {
            throw new QmpException.Disconnected("connect", "cannot connect to " + socket + ": " + e.getMessage(), e);
        }
        QmpClient client = new QmpClient(channel, listener, socket.toString());
        CompletableFuture<JsonNode> greeted = new CompletableFuture<>();
        client.pending.put(GREETING, greeted);
        Thread.ofVirtual().name("qmp-reader " + socket).start(client::readLoop);
        try {
            client.greeting = await("connect", greeted, timeout);
            client.execute(new QmpCommand.Capabilities(), timeout);
            return client;
        } catch (QmpException e) {
            client.close();
            throw e;
        }
    }

    /** QEMU's greeting, e.g. {@code {"version": {...}, "capabilities": [...]}}. */
    public JsonNode greeting() {
        return greeting;
    }

    public boolean isConnected() {
        return !closed.get();
    }

    /** Runs one command and returns its typed reply. */
    public <R> R execute(QmpCommand<R> command, Duration timeout) throws QmpException {
        return command.reply(execute(command.name(), command.arguments(), timeout));
    }

    /** Runs one command and returns its {@code return} value. */
    private JsonNode execute(String command, ObjectNode arguments, Duration timeout) throws QmpException {
        if (closed.get()) {
            throw new QmpException.Disconnected(command, "connection to " + label + " is closed", null);
        }
        String id = "celadon-" + ids.incrementAndGet();
        ObjectNode request = JsonNodeFactory.instance.objectNode().put("execute", command);
        if (arguments != null) {
            request.set("arguments", arguments);
        }
        request.put("id", id);
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        pending.put(id, answer);
        try {
            send(command, request);
            JsonNode response = await(command, answer, timeout);
            JsonNode error = response.get("error");
            if (error != null) {
                throw new QmpException.ErrorResponse(command, error.path("class").asText("?"), error.path("desc").asText(""));
            }
            return response.path("return");
        } finally {
            pending.remove(id);
        }
    }

    private void send(String command, ObjectNode request) throws QmpException {
        try {
            byte[] bytes = (JSON.writeValueAsString(request) + "\n").getBytes(StandardCharsets.UTF_8);
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            synchronized (writeLock) {
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
            }
        } catch (IOException e) {
            close();
            throw new QmpException.Disconnected(command, "write to " + label + " failed: " + e.getMessage(), e);
        }
    }

    private static JsonNode await(String command, CompletableFuture<JsonNode> answer, Duration timeout) throws QmpException {
        try {
            return answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new QmpException.Timeout(command, timeout);
        } catch (ExecutionException e) {
            throw new QmpException.Disconnected(command, e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new QmpException.Disconnected(command, "interrupted", e);
        }
    }

    private void readLoop() {
        ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        try {
            while (channel.read(buffer) >= 0) {
                buffer.flip();
                while (buffer.hasRemaining()) {
                    byte b = buffer.get();
                    if (b == '\n') {
                        dispatch(line.toString(StandardCharsets.UTF_8));
                        line.reset();
                    } else {
                        line.write(b);
                    }
                }
                buffer.clear();
            }
        } catch (IOException e) {
            if (!closed.get()) {
                LOG.debugf("QMP %s: read failed: %s", label, e.getMessage());
            }
        } finally {
            closed.set(true);
            try {
                channel.close();
            } catch (IOException ignored) {
                // Nothing more can be done with a socket that is already failing.
            }
            IOException gone = new IOException("connection to " + label + " closed");
            pending.values().forEach(f -> f.completeExceptionally(gone));
            listener.onDisconnect();
        }
    }

    private void dispatch(String text) {
        if (text.isBlank()) {
            return;
        }
        JsonNode message;
        try {
            message = JSON.readTree(text);
        } catch (IOException e) {
            LOG.warnf("QMP %s: ignoring malformed message: %s", label, e.getMessage());
            return;
        }
        if (message.has("QMP")) {
            complete(GREETING, message.get("QMP"));
        } else if (message.has("event")) {
            JsonNode ts = message.path("timestamp");
            Instant at = ts.has("seconds")
                    ? Instant.ofEpochSecond(ts.path("seconds").asLong(), ts.path("microseconds").asLong() * 1000)
                    : Instant.now();
            QmpEvent event = new QmpEvent(message.get("event").asText(), message.path("data"), at);
            try {
                listener.onEvent(event);
            } catch (RuntimeException e) {
                LOG.errorf(e, "QMP %s: listener failed on %s", label, event.name());
            }
        } else if (message.has("id")) {
            complete(message.get("id").asText(), message);
        } else {
            LOG.debugf("QMP %s: ignoring message without id: %s", label, text);
        }
    }

    private void complete(String id, JsonNode value) {
        CompletableFuture<JsonNode> future = pending.get(id);
        if (future != null) {
            future.complete(value);
        }
    }

    /** Closes the socket; the reader thread then fails what is pending and tells the listener. */
    @Override
    public void close() {
        closed.set(true);
        try {
            channel.close();
        } catch (IOException ignored) {
            // Closing is best effort: the reader thread sees the channel gone either way.
        }
    }
}
