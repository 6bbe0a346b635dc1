package dev.celadon.hypervisor.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.celadon.hypervisor.BootConfig;
import dev.celadon.hypervisor.CloudInit;
import dev.celadon.hypervisor.DiskConfig;
import dev.celadon.hypervisor.Firmware;
import dev.celadon.hypervisor.GuestProfile;
import dev.celadon.hypervisor.IntegrationServices;
import dev.celadon.hypervisor.NetworkConfig;
import dev.celadon.hypervisor.PartitionName;
import dev.celadon.hypervisor.PciAddress;
import dev.celadon.hypervisor.VmConfig;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class VmConfigJsonTest {

    private static final VmConfig FULL = new VmConfig(new PartitionName("web-01"), GuestProfile.WINDOWS, 4, 1L << 30, 2L << 30,
            new BootConfig.Kernel("tiny/vmlinuz", Optional.of("tiny/initrd.img"), "console=ttyS0"),
            List.of(new DiskConfig("root", new DiskConfig.Overlay("tiny/base.qcow2", 1L << 32)),
                    new DiskConfig("scratch", new DiskConfig.Blank(1L << 30)),
                    new DiskConfig("san", new DiskConfig.Passthrough("/dev/disk/by-id/scsi-X"))),
            List.of(new NetworkConfig("lan", new NetworkConfig.Bridge("br0")),
                    new NetworkConfig("dmz", new NetworkConfig.Bridge("celadon0", java.util.OptionalInt.of(20)),
                            Optional.of(dev.celadon.hypervisor.NicModel.RTL8139)),
                    new NetworkConfig("mgmt", new NetworkConfig.User(List.of(new NetworkConfig.PortForward(2222, 22))))),
            List.of(new PciAddress("0000:03:00.0")), new IntegrationServices(true, false, true), Duration.ofSeconds(45));

    @Test
    void roundTrips() {
        assertThat(VmConfigJson.fromJson(VmConfigJson.toJson(FULL))).isEqualTo(FULL);
        VmConfig firmware = new VmConfig(FULL.name(), GuestProfile.LEGACY, 1, 1L << 28, 1L << 28, new BootConfig.FromDisk(Firmware.UEFI),
                List.of(), List.of(), List.of(), IntegrationServices.NONE, Duration.ofSeconds(1));
        assertThat(VmConfigJson.fromJson(VmConfigJson.toJson(firmware))).isEqualTo(firmware);
    }

    @Test
    void roundTripsSecureBootAndTheTpmAndLeavesOlderHashesAlone() {
        VmConfig uefi = FULL.withDisks(List.of(new DiskConfig("c", new DiskConfig.Blank(1L << 30))));
        VmConfig plain = new VmConfig(uefi.name(), GuestProfile.WINDOWS, 2, 1L << 30, 1L << 30, new BootConfig.FromDisk(Firmware.UEFI),
                uefi.disks(), List.of(), List.of(), IntegrationServices.ALL, Duration.ofSeconds(30));
        VmConfig gen2 = new VmConfig(plain.name(), plain.profile(), 2, 1L << 30, 1L << 30, new BootConfig.FromDisk(Firmware.UEFI, true),
                plain.disks(), List.of(), List.of(), IntegrationServices.ALL, Duration.ofSeconds(30)).withTpm(true);
        assertThat(VmConfigJson.fromJson(VmConfigJson.toJson(gen2))).isEqualTo(gen2);
        assertThat(VmConfigJson.hash(gen2)).isNotEqualTo(VmConfigJson.hash(gen2.withTpm(false)))
                .isNotEqualTo(VmConfigJson.hash(plain.withTpm(true)));
        assertThat(VmConfigJson.toJson(plain).has("tpm")).as("a running worker's hash must not change").isFalse();
        assertThat(VmConfigJson.toJson(plain).path("boot").has("secureBoot")).isFalse();
    }

    @Test
    void roundTripsTheCpuLimitAndLeavesOlderHashesAlone() {
        VmConfig limited = FULL.withCpuLimit(1500);
        assertThat(VmConfigJson.fromJson(VmConfigJson.toJson(limited))).isEqualTo(limited);
        assertThat(VmConfigJson.hash(limited)).isNotEqualTo(VmConfigJson.hash(FULL));
        assertThat(VmConfigJson.toJson(FULL).has("cpuLimitMillicores")).as("a running worker's hash must not change").isFalse();
    }

    @Test
    void roundTripsTheCloudInitSeed() {
        VmConfig seeded = FULL.withCloudInit(Optional.of(CloudInit.of(FULL.name(), "#cloud-config\nruncmd: [ [ touch, /x ] ]\n",
                Optional.of("version: 2\n"))));
        assertThat(VmConfigJson.fromJson(VmConfigJson.toJson(seeded))).isEqualTo(seeded);
        VmConfig noNetwork = FULL.withCloudInit(Optional.of(CloudInit.of(FULL.name(), "", Optional.empty())));
        assertThat(VmConfigJson.fromJson(VmConfigJson.toJson(noNetwork))).isEqualTo(noNetwork);
        assertThat(VmConfigJson.hash(seeded)).isNotEqualTo(VmConfigJson.hash(FULL)).isNotEqualTo(VmConfigJson.hash(noNetwork));
    }

    @Test
    void aConfigWithoutASeedWritesWhatOlderVersionsWroteAndReadsBack() {
        assertThat(VmConfigJson.toJson(FULL).has("cloudInit")).as("the hash of a running worker's config must not change").isFalse();
        var older = VmConfigJson.toJson(FULL);
        assertThat(VmConfigJson.fromJson(older).cloudInit()).isEmpty();
    }

    @Test
    void hashIsStableAndSensitive() {
        assertThat(VmConfigJson.hash(FULL)).hasSize(64).isEqualTo(VmConfigJson.hash(VmConfigJson.fromJson(VmConfigJson.toJson(FULL))));
        assertThat(VmConfigJson.hash(FULL.withMemory(1L << 29))).isNotEqualTo(VmConfigJson.hash(FULL));
    }
}
