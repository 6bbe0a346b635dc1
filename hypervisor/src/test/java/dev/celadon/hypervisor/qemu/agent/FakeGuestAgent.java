package dev.celadon.hypervisor.qemu.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A hand-written qemu-guest-agent on the host end of the channel: answers the integration services
 * like the real agent (including the silence after a successful guest-shutdown), can greet a new
 * session with leftovers of an earlier one, and can stop answering commands.
 */
public final class FakeGuestAgent implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ServerSocketChannel server;
    private final Path socket;
    private final Set<String> silent = ConcurrentHashMap.newKeySet();
    private final java.util.Map<String, String> failing = new ConcurrentHashMap<>();
    private final AtomicBoolean shutdownRequested = new AtomicBoolean();
    private final AtomicLong timeSet = new AtomicLong();
    private volatile String leftovers = "";
    private final AtomicLong sessions = new AtomicLong();
    private volatile SocketChannel current;

    private FakeGuestAgent(ServerSocketChannel server, Path socket) {
        this.server = server;
        this.socket = socket;
    }

    public static FakeGuestAgent start(Path socket) throws IOException {
        Files.deleteIfExists(socket);
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        FakeGuestAgent agent = new FakeGuestAgent(server, socket);
        Thread.ofVirtual().name("fake-agent " + socket).start(agent::serve);
        return agent;
    }

    public Path socket() {
        return socket;
    }

    /** Commands the agent reads but never answers, like a hung or absent agent. */
    public FakeGuestAgent silence(String command) {
        silent.add(command);
        return this;
    }

    /** Commands the agent answers with {@code {"error": {"class": "GenericError", "desc": ...}}}. */
    public FakeGuestAgent fail(String command, String description) {
        failing.put(command, description);
        return this;
    }

    /** Bytes sent at the start of each session before anything else, as a stale earlier session leaves them. */
    public FakeGuestAgent leftovers(String text) {
        leftovers = text;
        return this;
    }

    /** Answers {@code command} again after {@link #silence}. */
    public FakeGuestAgent unsilence(String command) {
        silent.remove(command);
        return this;
    }

    /** How many connections it accepted. */
    public long sessions() {
        return sessions.get();
    }

    /** Hangs up on the connected client, as QEMU does when the worker exits. */
    public void dropSessions() throws IOException {
        SocketChannel c = current;
        if (c != null) {
            c.close();
        }
    }

    public boolean shutdownRequested() {
        return shutdownRequested.get();
    }

    /** The time last set by guest-set-time, in nanoseconds since the epoch (0 if never). */
    public long timeSet() {
        return timeSet.get();
    }

    private void serve() {
        while (server.isOpen()) {
            try (SocketChannel c = server.accept()) {
                sessions.incrementAndGet();
                current = c;
                write(c, leftovers.getBytes(StandardCharsets.UTF_8));
                InputStream in = Channels.newInputStream(c);
                ByteArrayOutputStream line = new ByteArrayOutputStream();
                int b;
                while ((b = in.read()) >= 0) {
                    if (b == 0xFF) {
                        line.reset();
                    } else if (b == '\n') {
                        answer(c, JSON.readTree(line.toString(StandardCharsets.UTF_8)));
                        line.reset();
                    } else {
                        line.write(b);
                    }
                }
            } catch (IOException e) {
                // Session over; take the next.
            }
        }
    }

    private void answer(SocketChannel c, JsonNode request) throws IOException {
        String command = request.path("execute").asText();
        if (silent.contains(command)) {
            return;
        }
        ObjectNode answer = JSON.createObjectNode();
        String failure = failing.get(command);
        if (failure != null) {
            answer.putObject("error").put("class", "GenericError").put("desc", failure);
            write(c, (JSON.writeValueAsString(answer) + "\n").getBytes(StandardCharsets.UTF_8));
            return;
        }
        switch (command) {
            case "guest-sync-delimited" -> {
                write(c, new byte[] {(byte) 0xFF});
                answer.put("return", request.path("arguments").path("id").asLong());
            }
            case "guest-ping" -> answer.putObject("return");
            case "guest-get-osinfo" -> answer.putObject("return").put("id", "celadon-tiny").put("name", "Celadon tiny guest")
                    .put("pretty-name", "Celadon tiny guest").put("version", "1").put("kernel-release", "6.1.0-test");
            case "guest-get-host-name" -> answer.putObject("return").put("host-name", "web-01");
            case "guest-network-get-interfaces" -> {
                ObjectNode lo = answer.putArray("return").addObject().put("name", "lo").put("hardware-address", "00:00:00:00:00:00");
                lo.putArray("ip-addresses").addObject().put("ip-address-type", "ipv4").put("ip-address", "127.0.0.1").put("prefix", 8);
                ObjectNode eth0 = ((com.fasterxml.jackson.databind.node.ArrayNode) answer.get("return")).addObject()
                        .put("name", "eth0").put("hardware-address", "52:54:00:12:34:56");
                eth0.putArray("ip-addresses").addObject().put("ip-address-type", "ipv4").put("ip-address", "10.0.2.15").put("prefix", 24);
            }
            case "guest-set-time" -> {
                timeSet.set(request.path("arguments").path("time").asLong());
                answer.putObject("return");
            }
            case "guest-shutdown" -> {
                shutdownRequested.set(true);
                return; // the real agent does not answer when it complies
            }
            default -> answer.putObject("error").put("class", "CommandNotFound").put("desc", "The command " + command + " has not been found");
        }
        write(c, (JSON.writeValueAsString(answer) + "\n").getBytes(StandardCharsets.UTF_8));
    }

    private static void write(SocketChannel c, byte[] bytes) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
            c.write(buffer);
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        Files.deleteIfExists(socket);
    }
}
