package dev.celadon.reconciler.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A real OpenSSH {@code sshd} on 127.0.0.1 with its own host key, config and authorized keys, all in one
 * folder, logging in as the user running the tests. Gives the client key and a known hosts file that
 * trusts this server, and one that trusts some other server, for host key checks.
 */
public final class SshServer implements AutoCloseable {

    private static final Path SSHD = Path.of("/usr/sbin/sshd");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(10);

    private final Path dir;
    private final int port;
    private final Process process;

    private SshServer(Path dir, int port, Process process) {
        this.dir = dir;
        this.port = port;
        this.process = process;
    }

    public static boolean available() {
        return Files.isExecutable(SSHD);
    }

    public static SshServer start(Path dir) {
        Path abs = dir.toAbsolutePath();
        try {
            Files.createDirectories(abs);
            keyPair(abs.resolve("host_key"));
            keyPair(abs.resolve("client_key"));
            keyPair(abs.resolve("other_host_key"));
            Files.copy(abs.resolve("client_key.pub"), abs.resolve("authorized_keys"));
            int port = Cli.freePort();
            Files.writeString(abs.resolve("known_hosts"), knownHostsLine(port, abs.resolve("host_key.pub")));
            Files.writeString(abs.resolve("other_known_hosts"),
                    knownHostsLine(port, abs.resolve("other_host_key.pub")));
            Files.writeString(abs.resolve("sshd_config"), String.join("\n",
                    "Port " + port,
                    "ListenAddress 127.0.0.1",
                    "HostKey " + abs.resolve("host_key"),
                    "AuthorizedKeysFile " + abs.resolve("authorized_keys"),
                    "PidFile " + abs.resolve("sshd.pid"),
                    "PubkeyAuthentication yes",
                    "PasswordAuthentication no",
                    "KbdInteractiveAuthentication no",
                    "UsePAM no",
                    // The temp folder's owner and modes are not sshd's business in a test.
                    "StrictModes no",
                    "PermitRootLogin prohibit-password",
                    "LogLevel VERBOSE", ""));
            // As root, sshd insists on its privilege separation folder, which only its service creates.
            if ("root".equals(System.getProperty("user.name"))) {
                Files.createDirectories(Path.of("/run/sshd"));
            }
            Process process = new ProcessBuilder(SSHD.toString(), "-D", "-e", "-f",
                    abs.resolve("sshd_config").toString())
                    .redirectErrorStream(true).redirectOutput(abs.resolve("sshd.log").toFile()).start();
            try {
                Cli.awaitListening(process, port, START_TIMEOUT);
            } catch (RuntimeException e) {
                Cli.kill(process);
                throw new IllegalStateException("sshd did not start: " + Files.readString(abs.resolve("sshd.log")), e);
            }
            return new SshServer(abs, port, process);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int port() {
        return port;
    }

    /** {@code ssh://USER@127.0.0.1:PORT/ABSOLUTE/PATH}. */
    public String url(TestRepo repo) {
        return "ssh://" + System.getProperty("user.name") + "@127.0.0.1:" + port + repo.bareDir().toAbsolutePath();
    }

    /** The private key {@code authorized_keys} accepts, OpenSSH format, no passphrase. */
    public Path clientKey() {
        return dir.resolve("client_key");
    }

    /** Trusts exactly this server's host key. */
    public Path knownHosts() {
        return dir.resolve("known_hosts");
    }

    /** Trusts a different key for this host and port: connecting must be refused. */
    public Path otherKnownHosts() {
        return dir.resolve("other_known_hosts");
    }

    public Path log() {
        return dir.resolve("sshd.log");
    }

    @Override
    public void close() {
        Cli.kill(process);
    }

    private static void keyPair(Path privateKey) {
        Cli.run(privateKey.getParent(), List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "celadon-test",
                "-f", privateKey.toString()));
    }

    private static String knownHostsLine(int port, Path publicKey) throws IOException {
        String[] typeAndKey = Files.readString(publicKey).strip().split(" ");
        return "[127.0.0.1]:" + port + " " + typeAndKey[0] + " " + typeAndKey[1] + "\n";
    }
}
