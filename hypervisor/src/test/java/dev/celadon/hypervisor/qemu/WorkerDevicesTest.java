package dev.celadon.hypervisor.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.celadon.hypervisor.Accel;
import dev.celadon.hypervisor.BootConfig;
import dev.celadon.hypervisor.GuestProfile;
import dev.celadon.hypervisor.IntegrationServices;
import dev.celadon.hypervisor.NetworkConfig;
import dev.celadon.hypervisor.PartitionName;
import dev.celadon.hypervisor.PciAddress;
import dev.celadon.hypervisor.VmConfig;
import dev.celadon.hypervisor.WorkerLaunchException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which groups an isolated worker gets for its device nodes, on a fake {@code /dev} whose nodes are plain files
 * with the modes and groups of real hosts (the tests run as root, which may give a file any group).
 */
class WorkerDevicesTest {

    private static final int KVM_GROUP = 107;

    @TempDir
    Path root;

    private HostPaths host() throws IOException {
        Files.createDirectories(root.resolve("dev/net"));
        return new HostPaths(root.resolve("proc"), root.resolve("sys"), root.resolve("dev"));
    }

    private void node(String path, String mode, int gid) throws IOException {
        Path node = root.resolve("dev").resolve(path);
        Files.createDirectories(node.getParent());
        Files.createFile(node);
        Files.setPosixFilePermissions(node, PosixFilePermissions.fromString(mode));
        Files.setAttribute(node, "unix:gid", gid);
    }

    private static VmConfig config(NetworkConfig... nics) {
        return new VmConfig(new PartitionName("dev"), GuestProfile.ENLIGHTENED, 1, 128L << 20, 128L << 20,
                new BootConfig.Kernel("tiny/vmlinuz", Optional.empty(), ""), List.of(), List.of(nics), List.of(),
                IntegrationServices.NONE, Duration.ofSeconds(2));
    }

    private static VmConfig withDevices(String... addresses) {
        VmConfig plain = config();
        return new VmConfig(plain.name(), plain.profile(), plain.cpus(), plain.memoryBytes(), plain.maxMemoryBytes(),
                plain.boot(), List.of(), List.of(), List.of(addresses).stream().map(PciAddress::new).toList(),
                IntegrationServices.NONE, Duration.ofSeconds(2));
    }

    /** A PCI device of IOMMU group {@code group} in the fake sysfs, linked as the kernel links it. */
    private void pciDevice(String address, String group) throws IOException {
        Path groupDir = Files.createDirectories(root.resolve("sys/kernel/iommu_groups").resolve(group));
        Path device = Files.createDirectories(root.resolve("sys/bus/pci/devices").resolve(address));
        Files.createSymbolicLink(device.resolve("iommu_group"), groupDir);
    }

    private static NetworkConfig onBridge() {
        return new NetworkConfig("lan", new NetworkConfig.Bridge("celadon0", OptionalInt.empty()));
    }

    @Test
    void debiansKvmGivesItsGroupAndUdevsTunNothing() throws Exception {
        HostPaths host = host();
        node("kvm", "rw-rw----", KVM_GROUP);
        node("net/tun", "rw-rw-rw-", 0);
        assertThat(new WorkerDevices(host, Accel.KVM).grants(config(onBridge())))
                .containsExactly(new WorkerDevices.Grant(root.resolve("dev/kvm"), KVM_GROUP));
        assertThat(new WorkerDevices(host, Accel.KVM).grants(config(onBridge())).get(0))
                .hasToString("group 107 for " + root.resolve("dev/kvm"));
    }

    @Test
    void onlyTheNodesItOpensCount() throws Exception {
        HostPaths host = host();
        node("kvm", "rw-------", 0);
        node("net/tun", "rw-------", 0);
        assertThat(new WorkerDevices(host, Accel.TCG).grants(config())).as("TCG, no NIC on a bridge").isEmpty();
        assertThat(new WorkerDevices(host, Accel.TCG).grants(config(new NetworkConfig("user", new NetworkConfig.User(List.of())))))
                .as("user-mode networking opens no tun").isEmpty();
    }

    @Test
    void aNodeOnlyRootOpensIsRefusedWithWhatToDo() throws Exception {
        HostPaths host = host();
        node("net/tun", "rw-------", 0);
        assertThatThrownBy(() -> new WorkerDevices(host, Accel.TCG).grants(config(onBridge())))
                .isInstanceOf(WorkerLaunchException.class)
                .hasMessageContaining(root.resolve("dev/net/tun") + " is mode 0600 group 0")
                .hasMessageContaining("celadon.hypervisor.isolation=none");
    }

    @Test
    void groupRootIsNeverGiven() throws Exception {
        HostPaths host = host();
        node("kvm", "rw-rw----", 0);
        assertThatThrownBy(() -> new WorkerDevices(host, Accel.KVM).grants(config()))
                .isInstanceOf(WorkerLaunchException.class).hasMessageContaining("kvm is mode 0660 group 0");
    }

    @Test
    void readOnlyForTheGroupIsNotEnough() throws Exception {
        HostPaths host = host();
        node("kvm", "rw-r-----", KVM_GROUP);
        assertThatThrownBy(() -> new WorkerDevices(host, Accel.KVM).grants(config()))
                .isInstanceOf(WorkerLaunchException.class).hasMessageContaining("kvm is mode 0640 group 107");
    }

    @Test
    void anAbsentNodeIsLeftForQemuToReport() throws Exception {
        assertThat(new WorkerDevices(host(), Accel.KVM).grants(config(onBridge()))).isEmpty();
    }

    @Test
    void aPciDeviceOpensVfiosContainerItsGroupsNodeAndLocksItsGuestsMemory() throws Exception {
        HostPaths host = host();
        node("vfio/vfio", "rw-rw-rw-", 0);
        pciDevice("0000:00:05.0", "7");
        pciDevice("0000:00:05.1", "7");
        pciDevice("0000:00:06.0", "9");
        WorkerDevices devices = new WorkerDevices(host, Accel.TCG);
        VmConfig config = withDevices("0000:00:05.0", "0000:00:05.1", "0000:00:06.0");
        assertThat(devices.nodes(config)).containsExactly(root.resolve("dev/vfio/vfio"));
        assertThat(devices.grants(config)).as("the container is everyone's").isEmpty();
        assertThat(devices.vfioGroups(config)).as("each group once").containsExactly(root.resolve("dev/vfio/7"),
                root.resolve("dev/vfio/9"));
        assertThat(devices.memlock(config)).isEqualTo(config.maxMemoryBytes() + (1L << 30));
        assertThat(devices.memlock(config())).as("no device, no lock").isZero();
        assertThat(devices.vfioGroups(withDevices("0000:00:07.0"))).as("no IOMMU group: refused by the launch's checks")
                .isEmpty();
    }
}
