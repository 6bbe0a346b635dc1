package dev.celadon.hypervisor.qemu.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One session with qemu-guest-agent over the partition's integration channel. See the package
 * description for the protocol. Not thread-safe: one caller at a time. A session may be held for the life of
 * a worker (see {@link #connect}), with a {@link #sync()} before each use.
 */
public final class GuestAgentConnection implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** The byte that resets the agent's parser and, in answers, marks where the sync answer starts. */
    private static final int DELIMITER = 0xFF;
    /** qemu-ga does not answer a successful guest-shutdown; an error, if any, comes quickly. */
    private static final Duration SHUTDOWN_ERROR_WINDOW = Duration.ofSeconds(2);

    private final SocketChannel channel;
    private final Selector selector;
    private final Duration timeout;
    private final ByteBuffer inbox = ByteBuffer.allocate(64 * 1024).flip();

    private GuestAgentConnection(SocketChannel channel, Selector selector, Duration timeout) {
        this.channel = channel;
        this.selector = selector;
        this.timeout = timeout;
    }

    /**
     * Connects without asking the agent anything, so a session can be held while the guest has no agent yet;
     * {@link #sync()} before the first command. Every later call waits at most {@code timeout}.
     */
    public static GuestAgentConnection connect(Path socket, Duration timeout) throws AgentException {
        SocketChannel channel = null;
        try {
            channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            channel.connect(UnixDomainSocketAddress.of(socket));
            channel.configureBlocking(false);
            Selector selector = Selector.open();
            channel.register(selector, SelectionKey.OP_READ);
            return new GuestAgentConnection(channel, selector, timeout);
        } catch (IOException e) {
            closeQuietly(channel);
            throw AgentException.channelLost("connect", "cannot connect to " + socket + ": " + e.getMessage(), e);
        }
    }

    /**
     * Resets the agent's parser and waits for the answer to a fresh sync id, skipping whatever earlier requests
     * left in the channel: after it, the next answer read is the next command's.
     */
    public void sync() throws AgentException {
        long id = ThreadLocalRandom.current().nextLong(1, 1L << 31);
        ObjectNode args = JsonNodeFactory.instance.objectNode().put("id", id);
        String command = "guest-sync-delimited";
        long deadline = deadline(timeout);
        write(command, new byte[] {(byte) DELIMITER});
        write(command, request(command, args));
        while (true) {
            skipToDelimiter(command, deadline);
            JsonNode answer = readMessage(command, deadline);
            if (answer.path("return").asLong(-1) == id) {
                return;
            }
            // An answer to an earlier session's sync: keep looking for ours.
        }
    }

    /** Heartbeat: succeeds when the agent is alive and serving. */
    public void ping() throws AgentException {
        execute("guest-ping", null);
    }

    public OsInfo osInfo() throws AgentException {
        JsonNode r = execute("guest-get-osinfo", null);
        return new OsInfo(r.path("id").asText(""), r.path("name").asText(""), r.path("pretty-name").asText(""),
                r.path("version").asText(""), r.path("kernel-release").asText(""));
    }

    public String hostname() throws AgentException {
        return execute("guest-get-host-name", null).path("host-name").asText("");
    }

    public List<GuestInterface> interfaces() throws AgentException {
        List<GuestInterface> result = new ArrayList<>();
        for (JsonNode nic : execute("guest-network-get-interfaces", null)) {
            List<String> addresses = new ArrayList<>();
            for (JsonNode ip : nic.path("ip-addresses")) {
                addresses.add(ip.path("ip-address").asText() + "/" + ip.path("prefix").asInt());
            }
            result.add(new GuestInterface(nic.path("name").asText(""), nic.path("hardware-address").asText(""), addresses));
        }
        return result;
    }

    /** Sets the guest's clock to {@code now} (the time-sync integration service). */
    public void setTime(Instant now) throws AgentException {
        long nanos = now.getEpochSecond() * 1_000_000_000L + now.getNano();
        execute("guest-set-time", JsonNodeFactory.instance.objectNode().put("time", nanos));
    }

    /**
     * Runs {@code command} (a program looked up on the agent's PATH, and its arguments) in the guest with
     * {@code guest-exec}, without capturing its output, and polls {@code guest-exec-status} until it exits.
     *
     * @return its exit code; a program killed by a signal counts as 128 + the signal, as in a shell
     * @throws AgentException when the agent refuses or the program has not exited within {@code limit}
     */
    public int exec(List<String> command, Duration limit) throws AgentException {
        ObjectNode args = JsonNodeFactory.instance.objectNode().put("path", command.getFirst());
        command.subList(1, command.size()).forEach(args.putArray("arg")::add);
        long pid = execute("guest-exec", args.put("capture-output", false)).path("pid").asLong(-1);
        long deadline = deadline(limit);
        while (true) {
            JsonNode status = execute("guest-exec-status", JsonNodeFactory.instance.objectNode().put("pid", pid));
            if (status.path("exited").asBoolean(false)) {
                return status.has("signal") ? 128 + status.path("signal").asInt() : status.path("exitcode").asInt(-1);
            }
            if (System.nanoTime() > deadline) {
                throw new AgentException("guest-exec-status", "", command.getFirst() + " has not exited within "
                        + limit.toMillis() + " ms", null);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AgentException("guest-exec-status", "", "interrupted", e);
            }
        }
    }

    /**
     * Asks the guest to power off. The agent sends no answer when it complies, so only an error
     * arriving within a short window counts as failure.
     */
    public void shutdown() throws AgentException {
        String command = "guest-shutdown";
        write(command, request(command, JsonNodeFactory.instance.objectNode().put("mode", "powerdown")));
        JsonNode answer;
        try {
            answer = readMessage(command, deadline(SHUTDOWN_ERROR_WINDOW));
        } catch (AgentException silence) {
            return;
        }
        throwIfError(command, answer);
    }

    private JsonNode execute(String command, ObjectNode arguments) throws AgentException {
        long deadline = deadline(timeout);
        write(command, request(command, arguments));
        JsonNode answer = readMessage(command, deadline);
        throwIfError(command, answer);
        return answer.path("return");
    }

    private static void throwIfError(String command, JsonNode answer) throws AgentException {
        JsonNode error = answer.get("error");
        if (error != null) {
            throw new AgentException(command, error.path("class").asText("GenericError"), error.path("desc").asText(""), null);
        }
    }

    private static byte[] request(String command, ObjectNode arguments) throws AgentException {
        ObjectNode request = JsonNodeFactory.instance.objectNode().put("execute", command);
        if (arguments != null) {
            request.set("arguments", arguments);
        }
        try {
            return (JSON.writeValueAsString(request) + "\n").getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AgentException(command, "", "cannot encode request", e);
        }
    }

    private void write(String command, byte[] bytes) throws AgentException {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        long deadline = deadline(timeout);
        try {
            while (buffer.hasRemaining()) {
                if (channel.write(buffer) == 0) {
                    if (System.nanoTime() > deadline) {
                        // Full of requests an absent agent never read: no use waiting on it any longer.
                        throw AgentException.channelLost(command, "channel not writable within " + timeout.toMillis() + " ms", null);
                    }
                    Thread.sleep(10);
                }
            }
        } catch (IOException e) {
            throw AgentException.channelLost(command, "write failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AgentException(command, "", "interrupted", e);
        }
    }

    private void skipToDelimiter(String command, long deadline) throws AgentException {
        while (nextByte(command, deadline) != DELIMITER) {
            // Discard what an earlier session left in the channel.
        }
    }

    private JsonNode readMessage(String command, long deadline) throws AgentException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (true) {
            int b = nextByte(command, deadline);
            if (b == '\n') {
                String text = line.toString(StandardCharsets.UTF_8).strip();
                line.reset();
                if (text.isEmpty()) {
                    continue;
                }
                try {
                    return JSON.readTree(text);
                } catch (IOException e) {
                    throw new AgentException(command, "", "malformed answer: " + e.getMessage(), e);
                }
            } else if (b != DELIMITER) {
                line.write(b);
            }
        }
    }

    private int nextByte(String command, long deadline) throws AgentException {
        try {
            while (!inbox.hasRemaining()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AgentException(command, "", "no answer within " + timeout.toMillis() + " ms (is qemu-ga running in the guest?)", null);
                }
                selector.select(Math.max(1, left / 1_000_000));
                selector.selectedKeys().clear();
                inbox.compact();
                int n = channel.read(inbox);
                inbox.flip();
                if (n < 0) {
                    throw AgentException.channelLost(command, "channel closed", null);
                }
            }
            return inbox.get() & 0xFF;
        } catch (IOException e) {
            throw AgentException.channelLost(command, "read failed: " + e.getMessage(), e);
        }
    }

    private static long deadline(Duration timeout) {
        return System.nanoTime() + timeout.toNanos();
    }

    private static void closeQuietly(SocketChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // Best effort on a channel that already failed.
            }
        }
    }

    @Override
    public void close() {
        try {
            selector.close();
        } catch (IOException ignored) {
            // Best effort: the channel is closed next regardless.
        }
        closeQuietly(channel);
    }
}
