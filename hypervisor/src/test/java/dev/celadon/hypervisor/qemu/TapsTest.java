package dev.celadon.hypervisor.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.celadon.hypervisor.BootConfig;
import dev.celadon.hypervisor.BridgeMissingException;
import dev.celadon.hypervisor.GuestProfile;
import dev.celadon.hypervisor.IntegrationServices;
import dev.celadon.hypervisor.NetworkConfig;
import dev.celadon.hypervisor.PartitionName;
import dev.celadon.hypervisor.VmConfig;
import dev.celadon.hypervisor.WorkerLaunchException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TapsTest {

    private static final Path STATE = Path.of("/var/lib/celadon");

    private final FakeTapDevices devices = new FakeTapDevices();
    private final Taps taps = new Taps(STATE, devices);

    private static VmConfig config(String name, NetworkConfig... nics) {
        return new VmConfig(new PartitionName(name), GuestProfile.ENLIGHTENED, 1, 64 << 20, 64 << 20,
                new BootConfig.Kernel("k", Optional.empty(), ""), List.of(), List.of(nics), List.of(), IntegrationServices.NONE,
                Duration.ofSeconds(1));
    }

    private static NetworkConfig lan(String name, String bridge, int vlan) {
        return new NetworkConfig(name, new NetworkConfig.Bridge(bridge, vlan == 0 ? OptionalInt.empty() : OptionalInt.of(vlan)));
    }

    @Test
    void namesAreStableShortAndDistinct() {
        PartitionName longest = new PartitionName("p".repeat(63));
        String name = Taps.name(STATE, longest, "n".repeat(32));
        assertThat(name).hasSize(Taps.MAX_NAME).startsWith("cd-").matches("cd-[0-9a-f]{12}");
        assertThat(Taps.name(Path.of("/var/lib/celadon/"), longest, "n".repeat(32))).as("same state dir, written otherwise")
                .isEqualTo(name);
        assertThat(Taps.name(STATE, new PartitionName("lan-01"), "lan")).as("pinned: a change would orphan every live tap")
                .isEqualTo("cd-ac464441973c");
        assertThat(Taps.name(STATE, new PartitionName("web-01"), "lan"))
                .isNotEqualTo(Taps.name(STATE, new PartitionName("web-01"), "lan2"))
                .isNotEqualTo(Taps.name(STATE, new PartitionName("web-02"), "lan"))
                .isNotEqualTo(Taps.name(Path.of("/tmp/other-celadon"), new PartitionName("web-01"), "lan"));
        // A partition and NIC must not blur into another pair ("a-b" + "c" vs "a" + "b-c").
        assertThat(Taps.name(STATE, new PartitionName("a-b"), "c")).isNotEqualTo(Taps.name(STATE, new PartitionName("a"), "b-c"));
        Set<String> seen = new HashSet<>();
        for (int p = 0; p < 200; p++) {
            for (int n = 0; n < 50; n++) {
                assertThat(seen.add(Taps.name(STATE, new PartitionName("p" + p), "n" + n))).isTrue();
            }
        }
    }

    @Test
    void setUpMakesOneTapPerBridgeNicWithItsVlanAndTearDownRemovesThem() throws Exception {
        devices.bridges.add("celadon0");
        VmConfig config = config("web-01", lan("lan", "celadon0", 0), lan("dmz", "celadon0", 20),
                new NetworkConfig("mgmt", new NetworkConfig.User(List.of())));
        taps.setUp(config, WorkerIdentity.ROOT);
        String lan = taps.name(config.name(), "lan");
        String dmz = taps.name(config.name(), "dmz");
        assertThat(devices.taps).containsOnlyKeys(lan, dmz);
        assertThat(devices.taps.get(lan)).isEqualTo(new FakeTapDevices.Tap("celadon web-01/lan /var/lib/celadon", "celadon0",
                OptionalInt.empty()));
        assertThat(devices.taps.get(dmz).vlan()).hasValue(20);
        taps.tearDown(config);
        assertThat(devices.taps).isEmpty();
        taps.tearDown(config); // twice: nothing left, nothing fails
    }

    @Test
    void aMissingBridgeIsBridgeMissingAndCreatesNothing() {
        devices.bridges.add("celadon0");
        devices.others.add("eth0");
        VmConfig missing = config("web-01", lan("lan", "celadon0", 0), lan("dmz", "celadon9", 20));
        assertThatThrownBy(() -> taps.setUp(missing, WorkerIdentity.ROOT)).isInstanceOfSatisfying(BridgeMissingException.class, e -> {
            assertThat(e.reason()).isEqualTo("BridgeMissing");
            assertThat(e.field()).isEqualTo("networks[1].bridge");
            assertThat(e.getMessage()).contains("no bridge celadon9");
        });
        assertThatThrownBy(() -> taps.check(config("web-01", lan("lan", "eth0", 0))))
                .isInstanceOf(BridgeMissingException.class).hasMessageContaining("eth0 is a network interface of this host but not a bridge");
        assertThat(devices.taps).isEmpty();
    }

    @Test
    void anInterfaceOfTheTapsNameThatIsNotOursIsLeftAloneAndRefused() {
        devices.bridges.add("celadon0");
        VmConfig config = config("web-01", lan("lan", "celadon0", 0));
        String tap = taps.name(config.name(), "lan");
        devices.others.add(tap);
        devices.foreignAliases.put(tap, "somebody else's");
        assertThatThrownBy(() -> taps.setUp(config, WorkerIdentity.ROOT)).isInstanceOf(WorkerLaunchException.class)
                .hasMessageContaining("networks[0]").hasMessageContaining(tap).hasMessageContaining("somebody else's");
        taps.tearDown(config);
        assertThat(devices.others).contains(tap);
        assertThat(devices.log).isEmpty();
    }

    @Test
    void anotherCeladonsTapOfTheSameNameIsNotOurs() {
        devices.bridges.add("celadon0");
        VmConfig config = config("web-01", lan("lan", "celadon0", 0));
        Taps elsewhere = new Taps(Path.of("/srv/celadon"), devices);
        String tap = taps.name(config.name(), "lan");
        // A hash collision: the other Celadon's tap has our name but its own alias.
        devices.taps.put(tap, new FakeTapDevices.Tap(elsewhere.owner(config.name(), "lan"), "celadon0", OptionalInt.empty()));
        assertThatThrownBy(() -> taps.check(config)).isInstanceOf(WorkerLaunchException.class).hasMessageContaining("/srv/celadon");
        taps.tearDown(config);
        assertThat(devices.taps).containsKey(tap);
    }

    @Test
    void aLeftoverOfThisPartitionIsReplaced() throws Exception {
        devices.bridges.add("celadon0");
        VmConfig old = config("web-01", lan("lan", "celadon0", 0));
        taps.setUp(old, WorkerIdentity.ROOT);
        VmConfig changed = config("web-01", lan("lan", "celadon0", 30));
        taps.setUp(changed, WorkerIdentity.ROOT);
        String tap = taps.name(old.name(), "lan");
        assertThat(devices.log).containsExactly("create " + tap, "delete " + tap, "create " + tap);
        assertThat(devices.taps.get(tap).vlan()).hasValue(30);
    }

    @Test
    void removeAllFindsThisPartitionsTapsByAliasAndNoOneElses() throws Exception {
        devices.bridges.add("celadon0");
        taps.setUp(config("web", lan("a", "celadon0", 0), lan("b", "celadon0", 20)), WorkerIdentity.ROOT);
        taps.setUp(config("web-2", lan("a", "celadon0", 0)), WorkerIdentity.ROOT);
        new Taps(Path.of("/srv/celadon"), devices).setUp(config("web", lan("a", "celadon0", 0)), WorkerIdentity.ROOT);
        devices.others.add("cd-000000000000");
        devices.foreignAliases.put("cd-000000000000", "celadon web/a /var/lib/celadon/x");

        taps.removeAll(new PartitionName("web"));
        assertThat(devices.taps.keySet()).containsExactlyInAnyOrder(taps.name(new PartitionName("web-2"), "a"),
                Taps.name(Path.of("/srv/celadon"), new PartitionName("web"), "a"));
        assertThat(devices.others).contains("cd-000000000000");
    }

    @Test
    void aTapThatCannotBeMadeLeavesNoneOfThePartitionsBehind() {
        devices.bridges.add("celadon0");
        VmConfig config = config("web-01", lan("a", "celadon0", 0), lan("b", "celadon0", 4095));
        assertThatThrownBy(() -> taps.setUp(config, WorkerIdentity.ROOT)).isInstanceOf(WorkerLaunchException.class)
                .hasMessageContaining("networks[1]: cannot set up tap").hasMessageContaining("invalid VLAN id 4095");
        assertThat(devices.taps).isEmpty();
    }
}
