package dev.celadon.reconciler.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.StreamSupport;

/** Reads {@code GET /status} of a running reconciler, as any client of the contract would. */
public final class StatusClient {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();
    private final Supplier<String> baseUrl;

    public StatusClient(Supplier<String> baseUrl) {
        this.baseUrl = baseUrl;
    }

    public JsonNode status() {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(baseUrl.get() + "/status"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("GET /status answered " + response.statusCode());
            }
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Any read of the API, e.g. a console or the page: status code and body. */
    public HttpResponse<String> get(String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(baseUrl.get() + path)).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public Optional<JsonNode> partition(String name) {
        return StreamSupport.stream(status().path("partitions").spliterator(), false)
                .filter(p -> name.equals(p.path("name").asText())).findFirst();
    }

    public String phase(String name) {
        return partition(name).map(p -> p.path("phase").asText()).orElse("(absent)");
    }

    /** The worker pid, or 0 when there is no live worker. */
    public long pid(String name) {
        return partition(name).map(p -> p.path("worker").path("pid").asLong(0)).orElse(0L);
    }

    public Optional<JsonNode> condition(String partition, String type) {
        return partition(partition).flatMap(p -> StreamSupport.stream(p.path("conditions").spliterator(), false)
                .filter(c -> type.equals(c.path("type").asText())).findFirst());
    }
}
