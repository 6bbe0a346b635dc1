package dev.celadon.reconciler.cli;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.celadon.reconciler.config.JavaTimeJson;
import dev.celadon.reconciler.source.Redaction;
import dev.celadon.reconciler.status.EventsDocument;
import dev.celadon.reconciler.status.StatusDocument;
import dev.celadon.reconciler.status.TextTables;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code status [URL]} and {@code events [URL]}: the read side on the command line. They GET the status API of a
 * reconciler (by default the one on this machine) and print what the page shows as aligned tables
 * ({@link TextTables}), or the API's JSON as it came with {@code -o json}. {@code status} exits 1 when a script
 * should stop ({@link TextTables#troubled}); a usage error, a reconciler that cannot be reached, does not answer
 * in time or answers with something else is one line on stderr and exit 2, never a stack trace.
 */
final class ReadCommands {

    static final String DEFAULT_URL = "http://localhost:8080";
    /** A whole answer in this long, or the reconciler is taken for hung. */
    static final Duration TIMEOUT = Duration.ofSeconds(10);
    /**
     * An answer bigger than the status of 10,000 partitions (about 10 MiB) is no reconciler's; the command runs
     * in the reconciler's small heap (appliance/jvm.options), so the answer is held once, as bytes.
     */
    private static final int MAX_ANSWER = 16 << 20;

    private enum Output { TABLE, JSON }

    private final PrintStream out;
    private final PrintStream err;
    private final Duration timeout;
    private final ObjectMapper mapper = new ObjectMapper().registerModule(JavaTimeJson.module())
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    ReadCommands(PrintStream out, PrintStream err, Duration timeout) {
        this.out = out;
        this.err = err;
        this.timeout = timeout;
    }

    /** A command line that cannot be run: said in one line, then the usage. */
    static final class UsageException extends Exception {
        UsageException(String message) {
            super(message, null, false, false);
        }
    }

    /** The reconciler did not answer as one does. */
    private static final class Unreachable extends Exception {
        Unreachable(String message) {
            super(message, null, false, false);
        }
    }

    /** {@code status [-o table|json] [URL]}. */
    int status(List<String> args) throws UsageException {
        Arguments arguments = Arguments.parse(args, false);
        try {
            byte[] body = get(arguments.base(), "/status");
            StatusDocument status = read(body, StatusDocument.class, "/status");
            print(arguments.output() == Output.JSON ? body : null, () -> TextTables.status(status, Instant.now()));
            return TextTables.troubled(status) ? CommandLine.EXIT_INVALID : CommandLine.EXIT_OK;
        } catch (Unreachable e) {
            err.println("celadon: " + e.getMessage());
            return CommandLine.EXIT_USAGE;
        }
    }

    /** {@code events [-o table|json] [--limit N] [URL]}. */
    int events(List<String> args) throws UsageException {
        Arguments arguments = Arguments.parse(args, true);
        try {
            String path = "/status/events" + arguments.limit().map(n -> "?limit=" + n).orElse("");
            byte[] body = get(arguments.base(), path);
            EventsDocument events = read(body, EventsDocument.class, path);
            print(arguments.output() == Output.JSON ? body : null, () -> TextTables.events(events));
            return CommandLine.EXIT_OK;
        } catch (Unreachable e) {
            err.println("celadon: " + e.getMessage());
            return CommandLine.EXIT_USAGE;
        }
    }

    /** The API's JSON as it came, with a newline, or else the tables. */
    private void print(byte[] json, java.util.function.Supplier<String> tables) {
        if (json != null) {
            out.write(json, 0, json.length);
            out.println();
        } else {
            out.print(tables.get());
        }
        out.flush();
    }

    private byte[] get(URI base, String path) throws Unreachable {
        String shown = Redaction.redactUrl(base + path);
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout)
                .header("Accept", "application/json").GET().build();
        HttpClient http = HttpClient.newBuilder().connectTimeout(timeout).version(HttpClient.Version.HTTP_1_1).build();
        try {
            HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
            byte[] body;
            try (InputStream in = response.body()) {
                body = in.readNBytes(MAX_ANSWER + 1);
            }
            if (body.length > MAX_ANSWER) {
                throw new Unreachable(shown + ": the answer is bigger than " + (MAX_ANSWER >> 20) + " MiB: not a Celadon reconciler");
            }
            if (response.statusCode() != 200) {
                throw new Unreachable(shown + " answered " + response.statusCode() + problem(body));
            }
            return body;
        } catch (HttpConnectTimeoutException e) {
            throw new Unreachable("cannot reach " + shown + ": no connection within " + timeout.toSeconds() + " s");
        } catch (HttpTimeoutException e) {
            throw new Unreachable(shown + " did not answer within " + timeout.toSeconds() + " s");
        } catch (ConnectException e) {
            throw new Unreachable("cannot reach " + shown + ": connection refused (is the reconciler running?)");
        } catch (IOException e) {
            throw new Unreachable("cannot reach " + shown + ": " + (e.getMessage() == null ? e.getClass().getSimpleName()
                    : e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Unreachable("interrupted while reading " + shown);
        }
    }

    /** The {@code message} of a Celadon error body (a 400's InvalidParameter), else nothing. */
    private String problem(byte[] body) {
        try {
            String message = mapper.readTree(body).path("message").asText("");
            return message.isEmpty() ? "" : ": " + TextTables.printable(message);
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    private <T> T read(byte[] body, Class<T> type, String path) throws Unreachable {
        try {
            T value = mapper.readValue(body, type);
            if (value == null) {
                throw new IOException("null");
            }
            return value;
        } catch (IOException | RuntimeException e) {
            throw new Unreachable("the answer to GET " + path + " is not Celadon's " + type.getSimpleName()
                    + ": is the URL a Celadon reconciler's?");
        }
    }

    /** What the command line says; a usage error says what is wrong. */
    private record Arguments(URI base, Output output, Optional<Integer> limit) {

        static Arguments parse(List<String> args, boolean takesLimit) throws UsageException {
            Output output = Output.TABLE;
            Optional<Integer> limit = Optional.empty();
            String url = null;
            for (int i = 0; i < args.size(); i++) {
                String arg = args.get(i);
                switch (arg) {
                    case "-o", "--output" -> {
                        String value = value(args, ++i, arg);
                        output = switch (value.toLowerCase(Locale.ROOT)) {
                            case "json" -> Output.JSON;
                            case "table" -> Output.TABLE;
                            default -> throw new UsageException(arg + " takes json or table, not \"" + value + "\"");
                        };
                    }
                    case "--limit" -> {
                        if (!takesLimit) {
                            throw new UsageException("unknown option " + arg);
                        }
                        String value = value(args, ++i, arg);
                        if (!value.matches("[0-9]{1,9}") || Integer.parseInt(value) < 1) {
                            throw new UsageException("--limit takes a whole number of events, not \"" + value + "\"");
                        }
                        limit = Optional.of(Integer.parseInt(value));
                    }
                    default -> {
                        if (arg.startsWith("-")) {
                            throw new UsageException("unknown option " + arg);
                        }
                        if (url != null) {
                            throw new UsageException("one URL at most, not \"" + url + "\" and \"" + arg + "\"");
                        }
                        url = arg;
                    }
                }
            }
            return new Arguments(base(url == null ? DEFAULT_URL : url), output, limit);
        }

        private static String value(List<String> args, int i, String option) throws UsageException {
            if (i >= args.size()) {
                throw new UsageException(option + " takes a value");
            }
            return args.get(i);
        }

        /** {@code http(s)://host[:port][/prefix]}, without a trailing slash, a query or a fragment. */
        private static URI base(String url) throws UsageException {
            try {
                URI uri = new URI(url.replaceAll("/+$", ""));
                String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
                if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null
                        || uri.getRawQuery() != null || uri.getRawFragment() != null) {
                    throw new URISyntaxException(url, "not an http(s) URL");
                }
                return uri;
            } catch (URISyntaxException e) {
                throw new UsageException("\"" + Redaction.redactUrl(url) + "\" is not a reconciler's URL: use http://HOST:PORT,"
                        + " e.g. " + DEFAULT_URL);
            }
        }
    }
}
