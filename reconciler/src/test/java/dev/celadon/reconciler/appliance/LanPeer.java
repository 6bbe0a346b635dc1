package dev.celadon.reconciler.appliance;

import dev.celadon.hypervisor.qemu.AgentExec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.awaitility.Awaitility.await;

/**
 * Another machine on the appliance's LAN: the tiny guest under QEMU on the host, its NIC on the same QEMU hub
 * as the appliance's NIC and QEMU's user network (whose DHCP server serves the untagged LAN). It serves VLAN 20
 * itself: {@code eth0.20} = {@value #VLAN_ADDRESS}/24 with busybox {@code udhcpd} leasing .100–.150. The test
 * drives it through its guest agent ({@code guest-exec}): pings, and what it leased.
 */
final class LanPeer implements AutoCloseable {

    static final int VLAN = 20;
    static final String VLAN_ADDRESS = "192.168.20.1";
    /** The peer's interface on VLAN 20. */
    static final String VLAN_INTERFACE = "eth0." + VLAN;
    /** Outside the range QEMU's user network leases from (.15 up). */
    static final String LAN_ADDRESS = "10.0.2.200";
    private static final Duration BOOT = Duration.ofMinutes(3);
    /** Generous for a command: the peer is emulated on a busy host. */
    private static final Duration COMMAND = Duration.ofSeconds(120);
    /** A fetch of some MiB from a guest nested in the emulated appliance: 21 s to over 2 minutes for 2 MiB. */
    private static final Duration FETCH = Duration.ofMinutes(5);

    private final Path dir;
    private final TestQemu qemu;

    private LanPeer(Path dir, TestQemu qemu) {
        this.dir = dir;
        this.qemu = qemu;
    }

    /** Boots the peer, its NIC a UDP link from {@code localPort} to the appliance's hub at {@code hubPort}. */
    static LanPeer start(Path tinyImages, Path dir, int localPort, int hubPort) throws IOException {
        Files.createDirectories(dir);
        List<String> command = List.of("qemu-system-x86_64", "-accel", "tcg", "-m", "128", "-display", "none",
                "-no-user-config", "-nodefaults", "-serial", "file:" + dir.resolve("console.log"),
                "-kernel", tinyImages.resolve("vmlinuz").toString(), "-initrd", tinyImages.resolve("initrd.img").toString(),
                "-append", "console=ttyS0 celadon.hostname=lan-peer celadon.modules=vlan",
                "-netdev", "dgram,id=lan,local.type=inet,local.host=127.0.0.1,local.port=" + localPort
                        + ",remote.type=inet,remote.host=127.0.0.1,remote.port=" + hubPort,
                "-device", "virtio-net-pci,netdev=lan,mac=52:54:00:c0:ff:ee,romfile=",
                "-chardev", "socket,id=agent,server=on,wait=off,path=" + dir.resolve("agent.sock"),
                "-device", "virtio-serial-pci", "-device", "virtserialport,chardev=agent,name=org.qemu.guest_agent.0");
        TestQemu qemu = TestQemu.start(dir, command);
        LanPeer peer = new LanPeer(dir, qemu);
        await("the LAN peer boots").atMost(BOOT).pollInterval(Duration.ofSeconds(1))
                .until(() -> !qemu.isAlive() || peer.console().contains("celadon-tiny: ready"));
        // A fixed address on the untagged LAN, not a lease from QEMU's user network: the appliance's comes first.
        peer.sh("killall udhcpc; ip addr flush dev eth0 && ip addr add " + LAN_ADDRESS + "/24 dev eth0"
                + " && vconfig add eth0 " + VLAN + " && ip addr add " + VLAN_ADDRESS + "/24 dev eth0." + VLAN
                + " && ip link set eth0." + VLAN + " up"
                + " && printf 'start 192.168.20.100\\nend 192.168.20.150\\ninterface eth0." + VLAN
                + "\\noption subnet 255.255.255.0\\nlease_file /tmp/udhcpd.leases\\npidfile /tmp/udhcpd.pid\\n' >/tmp/udhcpd.conf"
                + " && touch /tmp/udhcpd.leases && udhcpd /tmp/udhcpd.conf");
        return peer;
    }

    /**
     * VLAN 20's server leases {@code address} to {@code mac} only (a busybox {@code static_lease}, outside the range
     * it leases from), from now on: a partition whose address another must know before either boots.
     */
    void leaseAlways(String mac, String address) throws IOException {
        sh("echo 'static_lease " + mac + " " + address + "' >>/tmp/udhcpd.conf && pid=$(cat /tmp/udhcpd.pid) && kill $pid"
                + " && while kill -0 $pid 2>/dev/null; do sleep 0.1; done && udhcpd /tmp/udhcpd.conf");
    }

    /** Runs {@code script} with the peer's sh; its output; fails unless it exits 0. */
    String sh(String script) throws IOException {
        return sh(script, COMMAND);
    }

    /** Runs {@code script} with the peer's sh, for at most {@code timeout}; its output; fails unless it exits 0. */
    private String sh(String script, Duration timeout) throws IOException {
        Path agent = dir.resolve("agent.sock");
        try {
            return new String(org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(timeout,
                    () -> AgentExec.run(agent, "/bin/sh", "-c", script)), StandardCharsets.UTF_8);
        } catch (RuntimeException e) {
            throw new IOException("LAN peer: " + script + ": " + e.getMessage(), e);
        }
    }

    /**
     * Whether {@code address} answers a ping within {@code time} (a ping, waited for 2 s, every 3 s until one is
     * answered), sent through the peer's interface {@code via} by a host route made for it: the route must be made,
     * so a false answer is the network's, not a failed command.
     */
    boolean answersPing(String address, String via, Duration time) throws IOException {
        return through(address, via, () -> sh("end=$(($(cut -d. -f1 /proc/uptime) + " + time.toSeconds() + "));"
                + " while [ $(cut -d. -f1 /proc/uptime) -lt $end ]; do"
                + " if ping -c 1 -W 2 " + address + " >/dev/null; then echo yes; exit; fi; sleep 1; done; echo no")
                .strip().equals("yes"));
    }

    /** The peer's neighbour table and routes, to say why a ping got no answer. */
    String neighbours() {
        try {
            return "the peer's neighbours: " + sh("ip neigh; ip route").strip().replace('\n', ',');
        } catch (IOException e) {
            return "the peer's neighbours not read: " + e.getMessage();
        }
    }

    /** What {@link #fetch} got: bytes, and seconds by the peer's own clock. */
    record Fetch(long bytes, double seconds) {
    }

    /**
     * Fetches {@code url} through the interface {@code via} (a host route made for it, as {@link #answersPing} does),
     * timed inside the peer: how long the guest agent takes to start the command is not counted.
     */
    Fetch fetch(String url, String via) throws IOException {
        return through(url.replaceFirst("^http://([^/:]+).*", "$1"), via, () -> {
            String[] said = sh("s=$(cut -d' ' -f1 /proc/uptime); n=$(wget -q -O - '" + url + "' | wc -c);"
                    + " e=$(cut -d' ' -f1 /proc/uptime); echo \"$n $s $e\"", FETCH).strip().split(" ");
            return new Fetch(Long.parseLong(said[0]), Double.parseDouble(said[2]) - Double.parseDouble(said[1]));
        });
    }

    /** What the peer does with {@code address} reached through {@code via}: a host route made for it, then removed. */
    private <T> T through(String address, String via, PeerCommand<T> command) throws IOException {
        String route = address + "/32 dev " + via;
        sh("ip route replace " + route);
        try {
            return command.run();
        } finally {
            sh("ip route del " + route);
        }
    }

    private interface PeerCommand<T> {
        T run() throws IOException;
    }

    String console() {
        return qemu.consoleText();
    }

    @Override
    public void close() {
        qemu.close();
    }
}
