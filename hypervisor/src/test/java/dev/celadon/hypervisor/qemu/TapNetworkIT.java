package dev.celadon.hypervisor.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.celadon.hypervisor.BootConfig;
import dev.celadon.hypervisor.BridgeMissingException;
import dev.celadon.hypervisor.GuestProfile;
import dev.celadon.hypervisor.IntegrationServices;
import dev.celadon.hypervisor.NetworkConfig;
import dev.celadon.hypervisor.PartitionName;
import dev.celadon.hypervisor.VmConfig;
import dev.celadon.hypervisor.VmState;
import dev.celadon.hypervisor.Worker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Taps on this host, as root, with iproute2 and real QEMU. The kernel of the project's machines has tap but
 * no bridge, so: a real tap is made and removed; a NIC on a bridge that does not exist fails that partition
 * only, while another starts; and a tap made as {@link IpTapDevices} makes it, less the bridge, is opened
 * by a sandboxed QEMU ({@code spawn=deny}), kept across a reconciler restart, and removed when the worker stops
 * or crashes. Bridge, VLAN and DHCP are the appliance's test (its kernel has them).
 */
class TapNetworkIT {

    private static final long MIB = 1024 * 1024;
    private static final Path CLASS_NET = Path.of("/sys/class/net");

    @RegisterExtension
    final WorkerLeakCheck leaks = new WorkerLeakCheck();

    private static Path images;
    private final IpTapDevices ip = new IpTapDevices(HostPaths.SYSTEM);

    @BeforeAll
    static void tinyGuestIsBuilt() {
        images = TinyGuest.images();
    }

    /** Whatever a failed test left: only taps of this test's state dir (their alias says so). */
    @AfterEach
    void removeThisTestsTaps() throws IOException {
        try (Stream<Path> links = Files.list(CLASS_NET)) {
            for (Path link : links.toList()) {
                String name = link.getFileName().toString();
                if (ip.alias(name).filter(a -> a.endsWith(" " + leaks.stateDir().resolve("state").toAbsolutePath().normalize())).isPresent()) {
                    ip.delete(name);
                }
            }
        }
    }

    private QemuSettings settings() {
        return QemuSettings.defaults(leaks.stateDir().resolve("state"), List.of(images));
    }

    private static VmConfig partition(String name, NetworkConfig... nics) {
        return new VmConfig(new PartitionName(name), GuestProfile.ENLIGHTENED, 1, 128 * MIB, 128 * MIB,
                new BootConfig.Kernel("tiny/vmlinuz", Optional.of("tiny/initrd.img"), "console=ttyS0 cryptomgr.notests"), List.of(),
                List.of(nics), List.of(), IntegrationServices.NONE, Duration.ofSeconds(2));
    }

    private static NetworkConfig bridged(String bridge) {
        return new NetworkConfig("lan", new NetworkConfig.Bridge(bridge, OptionalInt.of(20)));
    }

    @Test
    void aRealTapIsMadeLabelledAndRemovedAndAFailedOneLeavesNothing() throws Exception {
        String tap = Taps.name(settings().stateDir(), new PartitionName("tap-real"), "lan");
        String alias = "celadon tap-real/lan " + settings().stateDir().toAbsolutePath().normalize();
        // This kernel has no bridges: the step that enslaves the tap fails, and the tap made before it goes.
        assertThatThrownBy(() -> ip.create(tap, alias, "cdnobridge0", OptionalInt.empty(), WorkerIdentity.ROOT))
                .isInstanceOf(IOException.class).hasMessageContaining("master cdnobridge0");
        assertThat(ip.kind(tap)).isEqualTo(TapDevices.Kind.ABSENT);

        ip.create(tap, alias, Optional.empty(), OptionalInt.empty(), WorkerIdentity.ROOT);
        assertThat(ip.kind(tap)).isEqualTo(TapDevices.Kind.OTHER);
        assertThat(ip.alias(tap)).hasValue(alias);
        assertThat(Files.readString(CLASS_NET.resolve(tap).resolve("tun_flags")).strip()).as("IFF_TAP | IFF_NO_PI | IFF_PERSIST")
                .isEqualTo("0x1802");
        assertThat(Integer.decode(Files.readString(CLASS_NET.resolve(tap).resolve("flags")).strip()) & 1).as("IFF_UP").isOne();
        assertThat(Files.readString(CLASS_NET.resolve(tap).resolve("owner")).strip()).as("root's: no owner").isEqualTo("-1");
        ip.delete(tap);
        assertThat(ip.kind(tap)).isEqualTo(TapDevices.Kind.ABSENT);
        ip.delete(tap); // absent: no error

        // An isolated worker's tap is its own: QEMU under that uid, without CAP_NET_ADMIN, may attach to it and to no other.
        // A leftover whose config is not known (an orphan's): found among the host's interfaces by its alias.
        ip.create(tap, alias, Optional.empty(), OptionalInt.empty(), new WorkerIdentity(64077, 64078));
        assertThat(Files.readString(CLASS_NET.resolve(tap).resolve("owner")).strip()).isEqualTo("64077");
        assertThat(Files.readString(CLASS_NET.resolve(tap).resolve("group")).strip()).isEqualTo("64078");
        new Taps(settings().stateDir(), ip).removeAll(new PartitionName("tap-real-2"));
        assertThat(ip.kind(tap)).as("another partition's removeAll").isEqualTo(TapDevices.Kind.OTHER);
        new Taps(settings().stateDir(), ip).removeAll(new PartitionName("tap-real"));
        assertThat(ip.kind(tap)).isEqualTo(TapDevices.Kind.ABSENT);
    }

    @Test
    void aMissingBridgeFailsThatPartitionOnlyWhileAnotherStarts() throws Exception {
        try (QemuHypervisor hypervisor = new QemuHypervisor(settings())) {
            VmConfig lan = partition("on-lan", bridged("celadon0"));
            assertThat(CLASS_NET.resolve("celadon0")).doesNotExist();
            assertThatThrownBy(() -> hypervisor.check(lan)).isInstanceOf(BridgeMissingException.class);
            assertThatThrownBy(() -> hypervisor.start(lan)).isInstanceOfSatisfying(BridgeMissingException.class, e -> {
                assertThat(e.reason()).isEqualTo("BridgeMissing");
                assertThat(e.field()).isEqualTo("networks[0].bridge");
                assertThat(e.getMessage()).isEqualTo("on-lan: networks[0].bridge: there is no bridge celadon0 on this host");
            });
            assertThat(hypervisor.worker(lan.name())).isEmpty();
            assertThat(ip.kind(Taps.name(settings().stateDir(), lan.name(), "lan"))).isEqualTo(TapDevices.Kind.ABSENT);

            VmConfig user = partition("on-user", new NetworkConfig("mgmt", new NetworkConfig.User(List.of())));
            Worker worker = hypervisor.start(user);
            assertThat(worker.status().state()).isEqualTo(VmState.RUNNING);
            worker.stop(Duration.ofSeconds(2));
            assertThat(hypervisor.worker(lan.name())).isEmpty();
        }
    }

    @Test
    void qemuOpensTheTapWithoutSpawningAndItLivesExactlyAsLongAsTheWorker() throws Exception {
        VmConfig config = partition("tap-qemu", bridged("lan0"));
        String tap = Taps.name(settings().stateDir(), config.name(), "lan");
        try (QemuHypervisor first = new QemuHypervisor(settings(), HostPaths.SYSTEM, new Bridgeless(ip, "lan0"))) {
            Worker worker = first.start(config);
            long pid = worker.status().pid().orElseThrow();
            assertThat(Files.readString(Path.of("/proc", Long.toString(pid), "cmdline")).replace('\0', ' '))
                    .contains("-netdev tap,id=hostnet-lan,ifname=" + tap + ",script=no,downscript=no")
                    .contains("spawn=deny");
            assertThat(ip.kind(tap)).isEqualTo(TapDevices.Kind.OTHER);
            assertThat(openTun(pid)).as("QEMU holds /dev/net/tun open").isTrue();
        }
        // A reconciler restart: the next hypervisor adopts the worker and its tap stays.
        try (QemuHypervisor second = new QemuHypervisor(settings(), HostPaths.SYSTEM, new Bridgeless(ip, "lan0"))) {
            second.supervise();
            Worker worker = second.worker(config.name()).orElseThrow();
            assertThat(worker.status().state()).isEqualTo(VmState.RUNNING);
            assertThat(ip.kind(tap)).isEqualTo(TapDevices.Kind.OTHER);

            worker.stop(Duration.ofSeconds(2));
            assertThat(ip.kind(tap)).as("removed with the stop").isEqualTo(TapDevices.Kind.ABSENT);

            // A crash: supervision records the exit and removes the tap.
            Worker again = second.start(config);
            assertThat(ip.kind(tap)).isEqualTo(TapDevices.Kind.OTHER);
            ProcessHandle.of(again.status().pid().orElseThrow()).orElseThrow().destroyForcibly();
            await("supervision sees the crash").atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                second.supervise();
                assertThat(again.status().state().isAlive()).isFalse();
            });
            assertThat(ip.kind(tap)).as("removed after the crash").isEqualTo(TapDevices.Kind.ABSENT);
            second.delete(config.name(), true);
        }
    }

    private static boolean openTun(long pid) throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return fds.anyMatch(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString().equals("/dev/net/tun");
                } catch (IOException e) {
                    return false;
                }
            });
        }
    }

    /**
     * The real devices on a kernel without bridges: {@code bridge} is taken for one, and taps are made as
     * {@link IpTapDevices} makes them but left unattached. Everything else is the real thing.
     */
    private record Bridgeless(IpTapDevices real, String bridge) implements TapDevices {
        @Override
        public Kind kind(String iface) {
            return iface.equals(bridge) ? Kind.BRIDGE : real.kind(iface);
        }

        @Override
        public List<String> names() {
            return real.names();
        }

        @Override
        public Optional<String> alias(String iface) {
            return real.alias(iface);
        }

        @Override
        public void create(String tap, String alias, String bridgeName, OptionalInt vlan, WorkerIdentity owner) throws IOException {
            real.create(tap, alias, Optional.empty(), OptionalInt.empty(), owner);
        }

        @Override
        public void delete(String tap) throws IOException {
            real.delete(tap);
        }
    }
}
