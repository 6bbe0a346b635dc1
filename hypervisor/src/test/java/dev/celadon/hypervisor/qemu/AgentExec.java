package dev.celadon.hypervisor.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;

/**
 * Runs a command in a test guest through qemu-guest-agent's {@code guest-exec} and returns its output, which
 * Celadon's own exec readiness check never captures: for tests that ask the guest what it sees, or have it act
 * (the appliance's LAN peer). Blocking reads:
 * callers bound it with a timeout.
 */
public final class AgentExec {

    private static final ObjectMapper JSON = new ObjectMapper();

    private AgentExec() {
    }

    /** The command's standard output; fails unless it exits 0. */
    public static byte[] run(Path agentSocket, String path, String... args) throws IOException, InterruptedException {
        try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(agentSocket))) {
            InputStream in = Channels.newInputStream(channel);
            // guest-sync-delimited: the reply follows a 0xFF byte, so whatever an earlier session left is skipped.
            send(channel, JSON.createObjectNode().put("execute", "guest-sync-delimited")
                    .set("arguments", JSON.createObjectNode().put("id", 4711)));
            int b;
            while ((b = in.read()) != 0xff) {
                if (b < 0) {
                    throw new IOException("agent closed the channel");
                }
            }
            expectReturn(readLine(in));
            ObjectNode exec = JSON.createObjectNode().put("path", path).put("capture-output", true);
            exec.putArray("arg").addAll(Arrays.stream(args).map(JSON.getNodeFactory()::textNode).toList());
            send(channel, JSON.createObjectNode().put("execute", "guest-exec").set("arguments", exec));
            long pid = expectReturn(readLine(in)).path("pid").asLong();
            while (true) {
                send(channel, JSON.createObjectNode().put("execute", "guest-exec-status")
                        .set("arguments", JSON.createObjectNode().put("pid", pid)));
                JsonNode status = expectReturn(readLine(in));
                if (status.path("exited").asBoolean()) {
                    if (status.path("exitcode").asInt(-1) != 0 || status.path("out-truncated").asBoolean()) {
                        String err = new String(Base64.getDecoder().decode(status.path("err-data").asText("")), StandardCharsets.UTF_8);
                        throw new IOException(path + " " + String.join(" ", args) + ": " + status.path("exitcode") + " " + err);
                    }
                    return Base64.getDecoder().decode(status.path("out-data").asText(""));
                }
                Thread.sleep(200);
            }
        }
    }

    private static void send(SocketChannel channel, ObjectNode command) throws IOException {
        channel.write(ByteBuffer.wrap((JSON.writeValueAsString(command) + "\n").getBytes(StandardCharsets.UTF_8)));
    }

    private static JsonNode expectReturn(String line) throws IOException {
        JsonNode reply = JSON.readTree(line);
        if (!reply.has("return")) {
            throw new IOException("agent: " + line);
        }
        return reply.path("return");
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != '\n') {
            if (b < 0) {
                throw new IOException("agent closed the channel");
            }
            line.write(b);
        }
        return line.toString(StandardCharsets.UTF_8);
    }
}
