package dev.celadon.reconciler.images;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A JDK HttpServer serving one byte array, for unit tests only (the ITs use a real server): Range honoured or
 * not, an ETag, a first answer that stalls. Each request's Range header is recorded.
 */
final class ServedBytes implements AutoCloseable {

    private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-");

    private final HttpServer server;
    volatile byte[] content;
    volatile String etag = "\"v1\"";
    volatile boolean ranges = true;
    /** The first answer sends this many bytes, then nothing until the server stops; -1: whole answers. */
    final AtomicInteger stallAfter = new AtomicInteger(-1);
    private final java.util.concurrent.ExecutorService executor = java.util.concurrent.Executors.newCachedThreadPool();
    volatile int status = 200;
    final List<String> rangesAsked = new CopyOnWriteArrayList<>();

    ServedBytes(byte[] content) throws IOException {
        this.content = content;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    private void handle(HttpExchange exchange) throws IOException {
        String range = exchange.getRequestHeaders().getFirst("Range");
        rangesAsked.add(String.valueOf(range));
        if (status != 200) {
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
            return;
        }
        byte[] bytes = content;
        int from = 0;
        Matcher m = range == null ? null : RANGE.matcher(range);
        exchange.getResponseHeaders().set("ETag", etag);
        if (ranges && m != null && m.matches()) {
            from = Integer.parseInt(m.group(1));
            exchange.getResponseHeaders().set("Content-Range", "bytes " + from + "-" + (bytes.length - 1) + "/" + bytes.length);
            exchange.sendResponseHeaders(206, bytes.length - from);
        } else {
            exchange.sendResponseHeaders(200, bytes.length);
        }
        int stall = stallAfter.getAndSet(-1);
        try (OutputStream out = exchange.getResponseBody()) {
            int length = bytes.length - from;
            if (stall >= 0) {
                out.write(bytes, from, Math.min(length, stall));
                out.flush();
                Thread.sleep(Long.MAX_VALUE);
            }
            out.write(bytes, from, length);
        } catch (InterruptedException e) {
            // The server stops.
        } catch (IOException e) {
            // The client went away.
        }
        exchange.close();
    }

    @Override
    public void close() {
        executor.shutdownNow();
        server.stop(0);
    }
}
