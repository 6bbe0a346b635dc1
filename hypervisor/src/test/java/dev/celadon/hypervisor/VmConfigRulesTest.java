package dev.celadon.hypervisor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Every limit of {@link VmConfigRules} walked from both sides: the last value it takes and the first it refuses. */
class VmConfigRulesTest {

    private static final long MIB = 1024 * 1024;

    private static VmConfig config(GuestProfile profile, int cpus, BootConfig boot, List<DiskConfig> disks,
                                   List<NetworkConfig> networks) {
        return new VmConfig(new PartitionName("p"), profile, cpus, 128 * MIB, 128 * MIB, boot, disks, networks, List.of(),
                IntegrationServices.NONE, Duration.ofSeconds(30));
    }

    private static VmConfig kernel(String path) {
        return config(GuestProfile.ENLIGHTENED, 1, new BootConfig.Kernel(path, Optional.empty(), ""), List.of(), List.of());
    }

    private static VmConfig disks(GuestProfile profile, List<DiskConfig> disks) {
        return config(profile, 1, new BootConfig.FromDisk(Firmware.BIOS), disks, List.of());
    }

    private static VmConfig network(NetworkConfig network) {
        return config(GuestProfile.ENLIGHTENED, 1, new BootConfig.Kernel("k", Optional.empty(), ""), List.of(), List.of(network));
    }

    private static List<String> problems(VmConfig config) {
        return VmConfigRules.problems(config).stream().map(p -> p.field() + ": " + p.message()).toList();
    }

    private static List<DiskConfig> blanks(int count) {
        List<DiskConfig> disks = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            disks.add(new DiskConfig("d" + i, new DiskConfig.Blank(MIB)));
        }
        return disks;
    }

    private static List<String> fields(VmConfig config) {
        return VmConfigRules.problems(config).stream().map(VmConfigRules.Problem::field).toList();
    }

    @Test
    void cpusUpToWhatEachMachineTakes() {
        BootConfig boot = new BootConfig.Kernel("k", Optional.empty(), "");
        assertThat(fields(config(GuestProfile.LEGACY, 255, boot, List.of(), List.of()))).isEmpty();
        assertThat(fields(config(GuestProfile.LEGACY, 256, boot, List.of(), List.of()))).containsExactly("cpus");
        assertThat(fields(config(GuestProfile.ENLIGHTENED, 288, boot, List.of(), List.of()))).isEmpty();
        assertThat(fields(config(GuestProfile.WINDOWS, 289, boot, List.of(), List.of()))).containsExactly("cpus");
    }

    @Test
    void aCpuLimitUpToTheVcpus() {
        BootConfig boot = new BootConfig.Kernel("k", Optional.empty(), "");
        assertThat(fields(config(GuestProfile.ENLIGHTENED, 2, boot, List.of(), List.of()).withCpuLimit(2000))).isEmpty();
        assertThat(fields(config(GuestProfile.ENLIGHTENED, 2, boot, List.of(), List.of()).withCpuLimit(10))).isEmpty();
        assertThat(problems(config(GuestProfile.ENLIGHTENED, 2, boot, List.of(), List.of()).withCpuLimit(2001)))
                .containsExactly("cpuLimit: 2001m is more than the 2 vCPUs can use; use at most 2 cores (2000m)");
        assertThatThrownBy(() -> config(GuestProfile.ENLIGHTENED, 1, boot, List.of(), List.of()).withCpuLimit(9))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 10 millicores");
    }

    @Test
    void secureBootOnlyWithUefiAndATpmNotOnLegacy() {
        List<DiskConfig> disk = List.of(new DiskConfig("c", new DiskConfig.Blank(MIB)));
        assertThat(fields(config(GuestProfile.WINDOWS, 1, new BootConfig.FromDisk(Firmware.UEFI, true), disk, List.of()).withTpm(true)))
                .isEmpty();
        assertThat(fields(config(GuestProfile.WINDOWS, 1, new BootConfig.FromDisk(Firmware.BIOS, true), disk, List.of())))
                .containsExactly("boot.secureBoot");
        assertThat(fields(config(GuestProfile.ENLIGHTENED, 1, new BootConfig.FromDisk(Firmware.BIOS), disk, List.of()).withTpm(true)))
                .as("SeaBIOS and kernel boot have a TPM too").isEmpty();
        assertThat(fields(config(GuestProfile.LEGACY, 1, new BootConfig.FromDisk(Firmware.BIOS), disk, List.of()).withTpm(true)))
                .containsExactly("tpm");
    }

    @Test
    void deviceNamesUpTo32CharactersOnceEach() {
        assertThat(fields(disks(GuestProfile.ENLIGHTENED, List.of(new DiskConfig("a".repeat(32), new DiskConfig.Blank(MIB))))))
                .isEmpty();
        assertThat(fields(disks(GuestProfile.ENLIGHTENED, List.of(new DiskConfig("a".repeat(33), new DiskConfig.Blank(MIB))))))
                .containsExactly("disks[0].name");
        assertThat(fields(disks(GuestProfile.ENLIGHTENED, List.of(new DiskConfig("Root", new DiskConfig.Blank(MIB))))))
                .containsExactly("disks[0].name");
        assertThat(fields(disks(GuestProfile.ENLIGHTENED, List.of(new DiskConfig("a", new DiskConfig.Blank(MIB)),
                new DiskConfig("a", new DiskConfig.Blank(MIB)))))).containsExactly("disks[1].name");
        assertThat(fields(network(new NetworkConfig("n".repeat(33), new NetworkConfig.User(List.of())))))
                .containsExactly("networks[0].name");
    }

    @Test
    void aLegacyGuestHasFourIdeSlotsPassThroughNotCounted() {
        assertThat(fields(disks(GuestProfile.LEGACY, blanks(4)))).isEmpty();
        assertThat(fields(disks(GuestProfile.LEGACY, blanks(5)))).containsExactly("disks[4]");
        assertThat(fields(disks(GuestProfile.ENLIGHTENED, blanks(5)))).isEmpty();
        List<DiskConfig> withPassthrough = new ArrayList<>(blanks(4));
        withPassthrough.add(new DiskConfig("san", new DiskConfig.Passthrough("/dev/sdb")));
        assertThat(fields(disks(GuestProfile.LEGACY, withPassthrough))).as("refused as pass-through, not as a fifth IDE disk")
                .containsExactly("disks[4].passthrough");
    }

    @Test
    void aLegacyGuestsCloudInitSeedTakesAnIdeSlot() {
        Optional<CloudInit> seed = Optional.of(CloudInit.of(new PartitionName("p"), "", Optional.empty()));
        assertThat(fields(disks(GuestProfile.LEGACY, blanks(3)).withCloudInit(seed))).isEmpty();
        assertThat(problems(disks(GuestProfile.LEGACY, blanks(4)).withCloudInit(seed)))
                .containsExactly("disks[3]: the legacy profile's machine has 4 IDE slots, one of them the cloud-init seed's; 4 disks asked for");
        assertThat(fields(disks(GuestProfile.ENLIGHTENED, blanks(5)).withCloudInit(seed))).isEmpty();
    }

    @Test
    void aCloudInitSeedIsBounded() {
        PartitionName p = new PartitionName("p");
        CloudInit largest = CloudInit.of(p, "", Optional.empty());
        largest = CloudInit.of(p, "x".repeat(CloudInit.MAX_BYTES - (int) largest.bytes()), Optional.empty());
        assertThat(largest.bytes()).isEqualTo(CloudInit.MAX_BYTES);
        assertThat(fields(disks(GuestProfile.ENLIGHTENED, blanks(1)).withCloudInit(Optional.of(largest)))).isEmpty();
        CloudInit over = CloudInit.of(p, largest.userData() + "y", Optional.empty());
        assertThat(problems(disks(GuestProfile.ENLIGHTENED, blanks(1)).withCloudInit(Optional.of(over)))).containsExactly(
                "cloudInit: the cloud-init files have " + (CloudInit.MAX_BYTES + 1) + " bytes together; at most " + CloudInit.MAX_BYTES);
    }

    @Test
    void aBlankDiskHasASizeAndFirmwareBootADisk() {
        assertThat(fields(disks(GuestProfile.ENLIGHTENED, List.of(new DiskConfig("d", new DiskConfig.Blank(1)))))).isEmpty();
        assertThat(fields(disks(GuestProfile.ENLIGHTENED, List.of(new DiskConfig("d", new DiskConfig.Blank(0))))))
                .containsExactly("disks[0].size");
        assertThat(fields(disks(GuestProfile.ENLIGHTENED, List.of()))).containsExactly("boot.firmware");
    }

    @Test
    void imagePathsAreRelativeAndStayInside() {
        assertThat(fields(kernel("tiny/vmlinuz"))).isEmpty();
        assertThat(fields(kernel("tiny/..vmlinuz"))).as("'..' inside a name is a name").isEmpty();
        for (String path : List.of("", "/etc/hostname", "../vmlinuz", "tiny/../../x", "~/k", "tiny\\\\k", "a\nb")) {
            assertThat(fields(kernel(path))).as(path).containsExactly("boot.kernel");
        }
    }

    @Test
    void devicePathsAreAbsoluteAndNormalized() {
        assertThat(VmConfigRules.devicePathProblem("/dev/disk/by-id/scsi-1")).isEmpty();
        for (String path : List.of("dev/sdb", "/", "/dev/../etc/shadow", "/dev//sdb", "/dev/sdb/", "/dev/./sdb")) {
            assertThat(VmConfigRules.devicePathProblem(path)).as(path).isPresent();
        }
    }

    @Test
    void bridgeNamesAreLinuxInterfaceNames() {
        assertThat(fields(network(new NetworkConfig("lan", new NetworkConfig.Bridge("b".repeat(15)))))).isEmpty();
        assertThat(fields(network(new NetworkConfig("lan", new NetworkConfig.Bridge("b".repeat(16))))))
                .containsExactly("networks[0].bridge");
        assertThat(fields(network(new NetworkConfig("lan", new NetworkConfig.Bridge("br/0"))))).containsExactly("networks[0].bridge");
    }

    @Test
    void vlansAreOneTo4094() {
        for (int vlan : new int[] {1, 20, 4094}) {
            assertThat(fields(network(new NetworkConfig("lan", new NetworkConfig.Bridge("celadon0", java.util.OptionalInt.of(vlan))))))
                    .isEmpty();
        }
        for (int vlan : new int[] {0, 4095, -1, Integer.MAX_VALUE}) {
            assertThat(fields(network(new NetworkConfig("lan", new NetworkConfig.Bridge("celadon0", java.util.OptionalInt.of(vlan))))))
                    .containsExactly("networks[0].vlan");
        }
    }

    @Test
    void forwardedPortsAreOneTo65535() {
        assertThat(fields(network(new NetworkConfig("mgmt", new NetworkConfig.User(List.of(
                new NetworkConfig.PortForward(1, 65535))))))).isEmpty();
        assertThat(fields(network(new NetworkConfig("mgmt", new NetworkConfig.User(List.of(
                new NetworkConfig.PortForward(0, 22), new NetworkConfig.PortForward(2222, 65536)))))))
                .containsExactly("networks[0].user.forwards[0]", "networks[0].user.forwards[1]");
    }

    @Test
    void checkThrowsTheFirstProblemForTheHypervisor() {
        VmConfig bad = disks(GuestProfile.LEGACY, blanks(5));
        try {
            VmConfigRules.check(bad);
            throw new AssertionError("expected a refusal");
        } catch (InvalidVmConfigException e) {
            assertThat(e.field()).isEqualTo("disks[4]");
            assertThat(e.retry()).isEqualTo(Retry.STALL);
        }
    }
}
