package dev.celadon.reconciler.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP relay in front of a real HTTP server that slows its answers down, so a test can act in the middle
 * of a download, and records the request heads that pass (to see a Range asked for). The server stays real:
 * the relay only copies bytes.
 */
public final class ThrottlingRelay implements AutoCloseable {

    private final ServerSocket listener;
    private final int upstreamPort;
    /** Bytes per second from the server to the client. */
    public volatile long rate;
    public final List<String> requests = new CopyOnWriteArrayList<>();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();

    public ThrottlingRelay(int upstreamPort, long rate) throws IOException {
        this.upstreamPort = upstreamPort;
        this.rate = rate;
        listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofPlatform().daemon().name("relay-accept").start(this::accept);
    }

    public int port() {
        return listener.getLocalPort();
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Socket server = new Socket();
                sockets.add(client);
                sockets.add(server);
                try {
                    server.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), upstreamPort), 5000);
                } catch (IOException e) {
                    client.close();
                    continue;
                }
                Thread.ofPlatform().daemon().start(() -> requests(client, server));
                Thread.ofPlatform().daemon().start(() -> answers(server, client));
            } catch (IOException e) {
                return;
            }
        }
    }

    /** Client to server, unthrottled; each request head is recorded. */
    private void requests(Socket client, Socket server) {
        try (InputStream in = client.getInputStream(); OutputStream out = server.getOutputStream()) {
            byte[] buffer = new byte[8192];
            int n;
            StringBuilder head = new StringBuilder();
            while ((n = in.read(buffer)) > 0) {
                head.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
                int end = head.indexOf("\r\n\r\n");
                if (end >= 0) {
                    requests.add(head.substring(0, end));
                    head.setLength(0);
                }
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // Either side went away.
        } finally {
            closeQuietly(client, server);
        }
    }

    /** Server to client in 16 KiB steps, at most {@link #rate} bytes a second. */
    private void answers(Socket server, Socket client) {
        try (InputStream in = server.getInputStream(); OutputStream out = client.getOutputStream()) {
            byte[] buffer = new byte[16 * 1024];
            int n;
            while ((n = in.read(buffer)) > 0) {
                out.write(buffer, 0, n);
                out.flush();
                Thread.sleep(Math.max(0, n * 1000L / Math.max(1, rate)));
            }
        } catch (IOException | InterruptedException e) {
            // Either side went away.
        } finally {
            closeQuietly(client, server);
        }
    }

    /** The Range headers asked for, in order ("none" for a request without one), of requests for {@code path}. */
    public List<String> rangesFor(String path) {
        return requests.stream().filter(r -> r.startsWith("GET " + path + " "))
                .map(r -> r.lines().filter(l -> l.regionMatches(true, 0, "Range:", 0, 6)).findFirst()
                        .map(l -> l.substring(6).strip()).orElse("none"))
                .toList();
    }

    private static void closeQuietly(Socket... sockets) {
        for (Socket socket : sockets) {
            try {
                socket.close();
            } catch (IOException e) {
                // Closing is all that is left to do.
            }
        }
    }

    @Override
    public void close() {
        closeQuietly(sockets.toArray(Socket[]::new));
        try {
            listener.close();
        } catch (IOException e) {
            // Closing is all that is left to do.
        }
    }
}
