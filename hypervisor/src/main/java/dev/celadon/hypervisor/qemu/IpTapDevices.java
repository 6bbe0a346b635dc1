package dev.celadon.hypervisor.qemu;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Taps through the kernel's own tools: sysfs to look ({@code /sys/class/net/NAME}, its {@code bridge/} and
 * {@code ifalias}), iproute2's {@code ip} and {@code bridge} to act. Runs as root (CAP_NET_ADMIN).
 * The commands, in order:
 * <ol>
 *   <li>{@code ip tuntap add dev TAP mode tap}: persistent, so it outlives this JVM and QEMU opens it by name;</li>
 *   <li>{@code ip link set dev TAP alias ALIAS}: whose tap it is, for collisions and leftovers;</li>
 *   <li>{@code ip link set dev TAP master BRIDGE};</li>
 *   <li>with a VLAN: {@code bridge vlan add dev TAP vid N pvid untagged}, {@code bridge vlan del dev TAP vid 1};</li>
 *   <li>{@code ip link set dev TAP up};</li>
 * </ol>
 * and {@code ip link delete dev TAP} to remove one.
 */
final class IpTapDevices implements TapDevices {

    /** Where the tools are looked for: the workers' PATH. */
    private static final List<String> SEARCH = List.of("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin");
    private static final long COMMAND_TIMEOUT_SECONDS = 10;

    private final Path classNet;

    IpTapDevices(HostPaths host) {
        this.classNet = host.sys().resolve("class").resolve("net");
    }

    @Override
    public Kind kind(String iface) {
        Path dir = classNet.resolve(iface);
        if (!Files.exists(dir)) {
            return Kind.ABSENT;
        }
        return Files.isDirectory(dir.resolve("bridge")) ? Kind.BRIDGE : Kind.OTHER;
    }

    @Override
    public List<String> names() {
        try (Stream<Path> links = Files.list(classNet)) {
            return links.map(link -> link.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    @Override
    public Optional<String> alias(String iface) {
        try {
            String alias = Files.readString(classNet.resolve(iface).resolve("ifalias"), StandardCharsets.UTF_8).strip();
            return alias.isEmpty() ? Optional.empty() : Optional.of(alias);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    @Override
    public void create(String tap, String alias, String bridge, OptionalInt vlan, WorkerIdentity owner) throws IOException {
        create(tap, alias, Optional.of(bridge), vlan, owner);
    }

    /**
     * {@link #create}, or without a bridge: a tap on its own, for the tests of a host whose kernel has no
     * bridges (the project's development machines), which still show QEMU opening and leaving a real tap.
     */
    void create(String tap, String alias, Optional<String> bridge, OptionalInt vlan, WorkerIdentity owner) throws IOException {
        String ip = tool("ip");
        String bridgeTool = vlan.isPresent() ? tool("bridge") : null;
        if (owner.isolated()) {
            // The worker's own: QEMU, running as that uid without CAP_NET_ADMIN, may attach to it and to no other tap.
            run(ip, "tuntap", "add", "dev", tap, "mode", "tap", "user", Integer.toString(owner.uid()), "group",
                    Integer.toString(owner.gid()));
        } else {
            run(ip, "tuntap", "add", "dev", tap, "mode", "tap");
        }
        try {
            run(ip, "link", "set", "dev", tap, "alias", alias);
            if (bridge.isPresent()) {
                run(ip, "link", "set", "dev", tap, "master", bridge.get());
            }
            if (vlan.isPresent()) {
                run(bridgeTool, "vlan", "add", "dev", tap, "vid", Integer.toString(vlan.getAsInt()), "pvid", "untagged");
                // Only that VLAN: the bridge's default (vid 1) would otherwise stay a second, untagged VLAN of the port.
                if (vlan.getAsInt() != 1) {
                    run(bridgeTool, "vlan", "del", "dev", tap, "vid", "1");
                }
            }
            run(ip, "link", "set", "dev", tap, "up");
        } catch (IOException e) {
            try {
                delete(tap);
            } catch (IOException again) {
                e.addSuppressed(again);
            }
            throw e;
        }
    }

    @Override
    public void delete(String tap) throws IOException {
        if (kind(tap) != Kind.ABSENT) {
            run(tool("ip"), "link", "delete", "dev", tap);
        }
    }

    /**
     * iproute2's tool of that name. Busybox's {@code ip} applet is passed over: it has no {@code tuntap}, no
     * {@code alias} and no {@code bridge vlan}, and would fail half-way with a less clear message.
     */
    private static String tool(String name) throws IOException {
        for (String dir : SEARCH) {
            Path candidate = Path.of(dir, name);
            if (Files.isExecutable(candidate) && !candidate.toRealPath().getFileName().toString().equals("busybox")) {
                return candidate.toString();
            }
        }
        throw new IOException("iproute2's '" + name + "' command is not installed (looked in " + String.join(":", SEARCH)
                + ", busybox's applet does not do); a NIC on a bridge needs it");
    }

    private static void run(String... command) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        builder.environment().clear();
        builder.environment().put("LC_ALL", "C");
        Process process = builder.start();
        try {
            // Waited for before the output is read: a command that hangs cannot hold us, and its output (a line
            // of error at most) fits in the pipe.
            if (!process.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException(String.join(" ", command) + ": no answer within " + COMMAND_TIMEOUT_SECONDS + " s");
            }
            if (process.exitValue() != 0) {
                String output = new String(process.getInputStream().readNBytes(4096), StandardCharsets.UTF_8).strip();
                throw new IOException(String.join(" ", command) + ": " + output);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException(String.join(" ", command) + ": interrupted", e);
        }
    }
}
