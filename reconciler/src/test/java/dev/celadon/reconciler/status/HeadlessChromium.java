package dev.celadon.reconciler.status;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.awaitility.core.ConditionTimeoutException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;

/**
 * A real headless Chromium showing one page, driven over the DevTools protocol: evaluate JavaScript in the
 * page, take screenshots. Each instance has its own throw-away profile and debugging port (port 0, read back
 * from the profile's {@code DevToolsActivePort}), so parallel builds do not meet. Closing it kills the whole
 * process tree it started.
 */
final class HeadlessChromium implements AutoCloseable {

    private static final List<String> BINARIES = List.of("chromium", "chromium-browser", "google-chrome");
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final ObjectMapper json = new ObjectMapper();
    private final Path profile;
    private final Path log;
    private final Process process;
    private final WebSocket page;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> replies = new ConcurrentHashMap<>();

    private HeadlessChromium(URI url, int width, int height) throws IOException {
        profile = Files.createTempDirectory("celadon-chromium-");
        log = profile.resolveSibling(profile.getFileName() + ".log");
        process = new ProcessBuilder(binary(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--hide-scrollbars", "--window-size=" + width + "," + height,
                "--user-data-dir=" + profile, "--remote-debugging-port=0", url.toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        HttpClient http = HttpClient.newHttpClient();
        int port = debuggingPort();
        page = http.newWebSocketBuilder()
                .buildAsync(pageTarget(http, port), new Replies())
                .join();
    }

    /** Starts Chromium on {@code url} in a window of the given size. */
    static HeadlessChromium open(URI url, int width, int height) throws IOException {
        return new HeadlessChromium(url, width, height);
    }

    /** The value of a JavaScript expression in the page, as JSON (a string, number, boolean, null...). */
    JsonNode evaluate(String expression) {
        JsonNode result = call("Runtime.evaluate", Map.of("expression", expression, "returnByValue", true));
        if (result.has("exceptionDetails")) {
            throw new IllegalStateException(expression + " threw: " + result.get("exceptionDetails"));
        }
        return result.path("result").path("value");
    }

    /** The page's text for a CSS selector, or null when nothing matches. */
    String text(String selector) {
        JsonNode value = evaluate("document.querySelector(" + json.valueToTree(selector) + ")?.textContent ?? null");
        return value.isNull() ? null : value.asText();
    }

    /** A PNG of the whole page, not only the window. */
    byte[] screenshot() {
        JsonNode shot = call("Page.captureScreenshot", Map.of("format", "png", "captureBeyondViewport", true));
        return Base64.getDecoder().decode(shot.get("data").asText());
    }

    private JsonNode call(String method, Map<String, Object> params) {
        int id = ids.incrementAndGet();
        CompletableFuture<JsonNode> reply = new CompletableFuture<>();
        replies.put(id, reply);
        ObjectNode request = json.createObjectNode().put("id", id).put("method", method);
        request.set("params", json.valueToTree(params));
        page.sendText(request.toString(), true).join();
        try {
            JsonNode answer = reply.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            if (answer.has("error")) {
                throw new IllegalStateException(method + " failed: " + answer.get("error"));
            }
            return answer.get("result");
        } catch (Exception e) {
            throw new IllegalStateException(method + ": no answer from Chromium; its log: " + log(), e);
        } finally {
            replies.remove(id);
        }
    }

    /** Chromium writes its port to the profile once it listens; the binary's stderr format is not a contract. */
    private int debuggingPort() {
        Path activePort = profile.resolve("DevToolsActivePort");
        try {
            await("Chromium's DevTools port").atMost(TIMEOUT)
                    .until(() -> Files.exists(activePort) && Files.readAllLines(activePort).size() >= 2
                            || !process.isAlive());
        } catch (ConditionTimeoutException e) {
            throw new IllegalStateException("Chromium did not open its DevTools port: " + log(), e);
        }
        if (!process.isAlive()) {
            throw new IllegalStateException("Chromium exited with " + process.exitValue() + ": " + log());
        }
        try {
            return Integer.parseInt(Files.readAllLines(activePort).getFirst().trim());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The debugger URL of the tab showing our page (Chromium also lists internal UI targets). */
    private URI pageTarget(HttpClient http, int port) {
        URI list = URI.create("http://127.0.0.1:" + port + "/json/list");
        return await("Chromium's page target").atMost(TIMEOUT).until(() -> {
            String body = http.send(HttpRequest.newBuilder(list).build(), HttpResponse.BodyHandlers.ofString()).body();
            for (JsonNode target : json.readTree(body)) {
                if ("page".equals(target.path("type").asText())) {
                    return URI.create(target.get("webSocketDebuggerUrl").asText());
                }
            }
            return null;
        }, target -> target != null);
    }

    private String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private static String binary() {
        return BINARIES.stream()
                .filter(name -> Stream.of(System.getenv("PATH").split(":"))
                        .anyMatch(dir -> Files.isExecutable(Path.of(dir, name))))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException(
                        "no Chromium on PATH (looked for " + BINARIES + "): `make deps` installs Debian's chromium"));
    }

    @Override
    public void close() throws IOException {
        page.abort();
        // The wrapper script, the browser, its zygote and renderers: children first, then wait for all.
        List<ProcessHandle> tree = Stream.concat(process.descendants(), Stream.of(process.toHandle())).toList();
        tree.forEach(ProcessHandle::destroy);
        for (ProcessHandle handle : tree) {
            try {
                handle.onExit().get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                handle.destroyForcibly();
            }
        }
        try (Stream<Path> files = Files.walk(profile)) {
            files.sorted(Comparator.reverseOrder()).forEach(file -> file.toFile().delete());
        }
        Files.deleteIfExists(log);
    }

    /** Collects each reply, which may arrive in fragments, and hands it to the call waiting for its id. */
    private final class Replies implements WebSocket.Listener {

        private final StringBuilder message = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket socket, CharSequence fragment, boolean last) {
            message.append(fragment);
            if (last) {
                try {
                    JsonNode reply = json.readTree(message.toString());
                    // Events have no id; nothing here subscribes to them.
                    if (reply.has("id")) {
                        CompletableFuture<JsonNode> waiting = replies.get(reply.get("id").asInt());
                        if (waiting != null) {
                            waiting.complete(reply);
                        }
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                } finally {
                    message.setLength(0);
                }
            }
            socket.request(1);
            return null;
        }
    }
}
