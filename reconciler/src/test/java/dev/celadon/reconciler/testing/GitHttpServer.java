package dev.celadon.reconciler.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * Smart HTTP on 127.0.0.1: the real {@code git http-backend} run as a CGI program by the JDK's HTTP
 * server, serving every repository under a root. Optionally requires one exact {@code Authorization}
 * header and answers 401 otherwise, as a forge does for a wrong or missing token.
 */
public final class GitHttpServer implements AutoCloseable {

    private final Path projectRoot;
    private final Optional<String> requiredAuthorization;
    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();

    private GitHttpServer(Path projectRoot, Optional<String> requiredAuthorization) throws IOException {
        this.projectRoot = projectRoot.toAbsolutePath();
        this.requiredAuthorization = requiredAuthorization;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    /** @param requiredAuthorization e.g. {@code "Bearer s3cret"}; empty to serve anyone */
    public static GitHttpServer start(Path projectRoot, Optional<String> requiredAuthorization) {
        try {
            return new GitHttpServer(projectRoot, requiredAuthorization);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** {@code http://127.0.0.1:PORT/<repo folder relative to the root>}. */
    public String url(TestRepo repo) {
        return "http://127.0.0.1:" + port() + "/" + projectRoot.relativize(repo.bareDir().toAbsolutePath());
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            if (requiredAuthorization.isPresent() && !requiredAuthorization.get().equals(authorization)) {
                exchange.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"git\"");
                exchange.sendResponseHeaders(401, -1);
                return;
            }
            runCgi(exchange);
        }
    }

    /** RFC 3875 as far as git http-backend needs it. */
    private void runCgi(HttpExchange exchange) throws IOException {
        ProcessBuilder builder = new ProcessBuilder("git", "http-backend")
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        Map<String, String> env = builder.environment();
        env.putAll(Cli.GIT_ENV);
        env.put("GIT_PROJECT_ROOT", projectRoot.toString());
        env.put("GIT_HTTP_EXPORT_ALL", "1");
        env.put("REQUEST_METHOD", exchange.getRequestMethod());
        env.put("PATH_INFO", exchange.getRequestURI().getRawPath());
        env.put("QUERY_STRING", Optional.ofNullable(exchange.getRequestURI().getRawQuery()).orElse(""));
        env.put("REMOTE_ADDR", exchange.getRemoteAddress().getAddress().getHostAddress());
        env.put("REMOTE_USER", "test");
        copyHeader(exchange, "Content-Type", "CONTENT_TYPE", env);
        copyHeader(exchange, "Content-Length", "CONTENT_LENGTH", env);
        copyHeader(exchange, "Content-Encoding", "HTTP_CONTENT_ENCODING", env);
        copyHeader(exchange, "Git-Protocol", "GIT_PROTOCOL", env);

        Process process = builder.start();
        try (OutputStream stdin = process.getOutputStream(); InputStream body = exchange.getRequestBody()) {
            body.transferTo(stdin);
        }
        try (InputStream stdout = process.getInputStream()) {
            int status = 200;
            for (String line = readLine(stdout); !line.isEmpty(); line = readLine(stdout)) {
                int colon = line.indexOf(':');
                String name = line.substring(0, colon).strip();
                String value = line.substring(colon + 1).strip();
                if (name.equalsIgnoreCase("Status")) {
                    status = Integer.parseInt(value.substring(0, 3));
                } else {
                    exchange.getResponseHeaders().add(name, value);
                }
            }
            exchange.sendResponseHeaders(status, 0);
            try (OutputStream response = exchange.getResponseBody()) {
                stdout.transferTo(response);
            }
        } finally {
            process.destroy();
        }
    }

    private static void copyHeader(HttpExchange exchange, String header, String variable, Map<String, String> env) {
        String value = exchange.getRequestHeaders().getFirst(header);
        if (value != null) {
            env.put(variable, value);
        }
    }

    /** One CGI header line without its CRLF or LF; empty at the blank line (or end of output). */
    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != -1 && b != '\n'; b = in.read()) {
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
