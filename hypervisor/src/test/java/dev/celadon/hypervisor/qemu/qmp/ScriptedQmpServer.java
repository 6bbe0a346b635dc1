package dev.celadon.hypervisor.qemu.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A QMP server that follows a script instead of running a VM: it greets, negotiates, answers each
 * command with what the test said ({@link #on}), emits events on demand and can drop the connection.
 * Defaults: {@code qmp_capabilities} and {@code cont} succeed, {@code query-status} says running,
 * anything unscripted is {@code CommandNotFound} like QEMU's own answer. Serves one client at a time,
 * as QEMU does: a second client waits, connected but unanswered, until the first is gone.
 */
public final class ScriptedQmpServer implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** What the server does with one command. */
    public sealed interface Reply {
        /** {@code {"return": value}}. */
        record Ok(JsonNode value) implements Reply {
        }

        /** {@code {"error": {"class": ..., "desc": ...}}}. */
        record Error(String errorClass, String description) implements Reply {
        }

        /** Never answers: for timeouts. */
        record Silence() implements Reply {
        }

        /** Closes the connection instead of answering, as a dying QEMU does. */
        record Hangup() implements Reply {
        }

        static Reply ok() {
            return new Ok(JsonNodeFactory.instance.objectNode());
        }
    }

    private final ServerSocketChannel server;
    private final Path socket;
    private final Map<String, Function<JsonNode, Reply>> script = new ConcurrentHashMap<>();
    private final List<String> received = new CopyOnWriteArrayList<>();
    private final CountDownLatch greetingGate;
    private final AtomicInteger accepted = new AtomicInteger();
    private volatile SocketChannel client;

    private ScriptedQmpServer(ServerSocketChannel server, Path socket, CountDownLatch greetingGate) {
        this.server = server;
        this.socket = socket;
        this.greetingGate = greetingGate;
        on("qmp_capabilities", args -> Reply.ok());
        on("cont", args -> Reply.ok());
        on("query-status", args -> new Reply.Ok(JSON.createObjectNode().put("status", "running").put("running", true)));
    }

    /** Binds {@code socket} and serves clients, one after another, until closed. */
    public static ScriptedQmpServer start(Path socket) throws IOException {
        return start(socket, new CountDownLatch(0));
    }

    /** As {@link #start(Path)}, but each client is greeted only once {@code greetingGate} is open: a QEMU still starting. */
    public static ScriptedQmpServer start(Path socket, CountDownLatch greetingGate) throws IOException {
        Files.deleteIfExists(socket);
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        ScriptedQmpServer qmp = new ScriptedQmpServer(server, socket, greetingGate);
        Thread.ofVirtual().name("scripted-qmp " + socket).start(qmp::serve);
        return qmp;
    }

    public Path socket() {
        return socket;
    }

    /** Scripts the answer to {@code command}; {@code reply} sees the arguments (or a missing node). */
    public ScriptedQmpServer on(String command, Function<JsonNode, Reply> reply) {
        script.put(command, reply);
        return this;
    }

    /** The commands received so far, in order, including {@code qmp_capabilities}. */
    public List<String> received() {
        return List.copyOf(received);
    }

    /** How many clients have been accepted so far. */
    public int accepted() {
        return accepted.get();
    }

    /** Sends an event to the connected client now. */
    public void emit(String event, JsonNode data) throws IOException {
        Instant now = Instant.now();
        ObjectNode message = JSON.createObjectNode().put("event", event);
        message.set("data", data);
        message.putObject("timestamp").put("seconds", now.getEpochSecond()).put("microseconds", now.getNano() / 1000);
        send(message);
    }

    /** Drops the connected client, as QEMU's exit would. */
    public void hangup() throws IOException {
        SocketChannel c = client;
        if (c != null) {
            c.close();
        }
    }

    private void serve() {
        while (server.isOpen()) {
            try (SocketChannel c = server.accept()) {
                accepted.incrementAndGet();
                client = c;
                greetingGate.await();
                ObjectNode greeting = JSON.createObjectNode();
                greeting.putObject("QMP").putObject("version").putObject("qemu").put("major", 7).put("minor", 2).put("micro", 0);
                ((ObjectNode) greeting.get("QMP")).putArray("capabilities").add("oob");
                send(greeting);
                BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(c), StandardCharsets.UTF_8));
                String line;
                while ((line = in.readLine()) != null) {
                    if (!answer(JSON.readTree(line))) {
                        break;
                    }
                }
            } catch (IOException e) {
                // The client went away or the server was closed: wait for the next one, or stop.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } finally {
                client = null;
            }
        }
    }

    /** Returns false when the script says to hang up. */
    private boolean answer(JsonNode request) throws IOException {
        String command = request.path("execute").asText();
        received.add(command);
        Reply reply = script.getOrDefault(command,
                args -> new Reply.Error("CommandNotFound", "The command " + command + " has not been found")).apply(request.path("arguments"));
        ObjectNode answer = JSON.createObjectNode();
        switch (reply) {
            case Reply.Ok ok -> answer.set("return", ok.value());
            case Reply.Error error -> answer.putObject("error").put("class", error.errorClass()).put("desc", error.description());
            case Reply.Silence silence -> {
                return true;
            }
            case Reply.Hangup hangup -> {
                return false;
            }
        }
        if (request.has("id")) {
            answer.set("id", request.get("id"));
        }
        send(answer);
        return true;
    }

    private synchronized void send(JsonNode message) throws IOException {
        SocketChannel c = client;
        if (c == null) {
            throw new IOException("no client connected");
        }
        ByteBuffer bytes = ByteBuffer.wrap((JSON.writeValueAsString(message) + "\n").getBytes(StandardCharsets.UTF_8));
        while (bytes.hasRemaining()) {
            c.write(bytes);
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        hangup();
        Files.deleteIfExists(socket);
    }
}
