package dev.celadon.hypervisor.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.celadon.hypervisor.BootConfig;
import dev.celadon.hypervisor.DiskConfig;
import dev.celadon.hypervisor.Firmware;
import dev.celadon.hypervisor.GuestProfile;
import dev.celadon.hypervisor.IntegrationServices;
import dev.celadon.hypervisor.InvalidVmConfigException;
import dev.celadon.hypervisor.NetworkConfig;
import dev.celadon.hypervisor.PartitionName;
import dev.celadon.hypervisor.PciAddress;
import dev.celadon.hypervisor.VmConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigResolverTest {

    private static final long MIB = 1024 * 1024;
    private static final String GPU = "0000:03:00.0";
    private static final String GPU_AUDIO = "0000:03:00.1";

    @TempDir
    Path root;

    private Path images;
    private Path outside;
    private HostPaths host;
    private ConfigResolver resolver;
    private WorkerPaths paths;

    @BeforeEach
    void setUp() throws IOException {
        images = Files.createDirectories(root.resolve("images"));
        outside = Files.createDirectories(root.resolve("outside"));
        Files.createDirectories(images.resolve("tiny"));
        Files.writeString(images.resolve("tiny/vmlinuz"), "kernel");
        Files.writeString(images.resolve("tiny/base.qcow2"), "QFI");
        Files.writeString(outside.resolve("secret"), "secret");
        host = new HostPaths(root.resolve("proc"), root.resolve("sys"), root.resolve("dev"));
        QemuSettings settings = QemuSettings.defaults(root.resolve("state"), List.of(images))
                .withPassthroughAllowed(List.of("/dev/null", GPU, GPU_AUDIO));
        resolver = new ConfigResolver(settings, host);
        paths = WorkerPaths.of(root.resolve("state"), new PartitionName("p"));
    }

    private static VmConfig config(BootConfig boot, List<DiskConfig> disks, List<NetworkConfig> networks, List<PciAddress> devices) {
        return new VmConfig(new PartitionName("p"), GuestProfile.ENLIGHTENED, 1, 256 * MIB, 256 * MIB, boot, disks, networks,
                devices, IntegrationServices.ALL, Duration.ofSeconds(30));
    }

    private static BootConfig kernel(String path) {
        return new BootConfig.Kernel(path, Optional.empty(), "");
    }

    private InvalidVmConfigException refusal(VmConfig config) {
        try {
            resolver.resolve(config, paths);
        } catch (InvalidVmConfigException e) {
            return e;
        } catch (dev.celadon.hypervisor.HostFileMissingException e) {
            throw new AssertionError("a missing file is no refusal of the config: " + e.getMessage(), e);
        }
        throw new AssertionError("accepted: " + config);
    }

    @Test
    void resolvesPathsInsideTheImagesDirs() throws Exception {
        ResolvedVm vm = resolver.resolve(config(kernel("tiny/vmlinuz"),
                List.of(new DiskConfig("root", new DiskConfig.Overlay("tiny/base.qcow2", 0))), List.of(), List.of()), paths);
        assertThat(vm.kernel().orElseThrow().kernel()).isEqualTo(images.resolve("tiny/vmlinuz").toRealPath());
        assertThat(vm.disks().getFirst().backing()).hasValue(images.resolve("tiny/base.qcow2").toRealPath());
        assertThat(vm.disks().getFirst().path()).isEqualTo(paths.disk("root"));
    }

    @Test
    void symlinksInsideTheImagesDirsAreFine() throws Exception {
        Files.createSymbolicLink(images.resolve("current"), images.resolve("tiny"));
        Path real = images.resolve("tiny/vmlinuz").toRealPath();
        assertThat(resolver.resolve(config(kernel("current/vmlinuz"), List.of(), List.of(), List.of()), paths).kernel())
                .hasValueSatisfying(k -> assertThat(k.kernel()).isEqualTo(real));
    }

    @Test
    void refusesEscapes() throws Exception {
        Files.createSymbolicLink(images.resolve("escape"), outside.resolve("secret"));
        Files.createSymbolicLink(images.resolve("escape-dir"), outside);
        assertThat(refusal(config(kernel("escape"), List.of(), List.of(), List.of())))
                .satisfies(e -> assertThat(e.field()).isEqualTo("boot.kernel"))
                .hasMessageContaining("outside the images dirs");
        assertThat(refusal(config(kernel("tiny/vmlinuz"), List.of(new DiskConfig("root", new DiskConfig.Overlay("escape-dir/secret", 0))),
                List.of(), List.of()))).satisfies(e -> assertThat(e.field()).isEqualTo("disks[0].image"));
        assertThat(refusal(config(kernel("../outside/secret"), List.of(), List.of(), List.of())).problem()).contains("\"..\" segment");
        assertThat(refusal(config(kernel(outside.resolve("secret").toString()), List.of(), List.of(), List.of())).problem()).contains("starts with \"/\"");
        assertThat(refusal(config(kernel("tiny"), List.of(), List.of(), List.of())).problem()).contains("not a regular file");
        assertThatThrownBy(() -> resolver.resolve(config(kernel("tiny/absent"), List.of(), List.of(), List.of()), paths))
                .as("a file not there yet is waited for, not refused")
                .isInstanceOfSatisfying(dev.celadon.hypervisor.HostFileMissingException.class,
                        e -> assertThat(e.field()).isEqualTo("boot.kernel"))
                .hasMessageContaining("not found");
    }

    @Test
    void aDownloadedBaseIsWaitedForThenOpenedFromTheCacheAndMayNameNoOtherFile() throws Exception {
        String sha = "ab".repeat(32);
        VmConfig config = config(kernel("tiny/vmlinuz"), List.of(new DiskConfig("root",
                new DiskConfig.Downloaded("https://images.example.org/x.qcow2?signature=secret", sha, 0))), List.of(), List.of());
        Path cached = dev.celadon.hypervisor.ImageCache.file(root.resolve("state"), sha);
        assertThatThrownBy(() -> resolver.resolve(config, paths))
                .isInstanceOfSatisfying(dev.celadon.hypervisor.HostFileMissingException.class, e -> {
                    assertThat(e.field()).isEqualTo("disks[0].image");
                    assertThat(e.awaited()).containsExactly(cached);
                })
                .hasMessageContaining("not downloaded yet").hasMessageNotContaining("secret");

        Files.createDirectories(cached.getParent());
        BackingChainTest.qcow2(cached);
        assertThat(resolver.resolve(config, paths).disks().getFirst().backing()).hasValue(cached.toRealPath());

        // The overlay made over it, kept from that start, is opened again: its base lies in the cache.
        BackingChainTest.qcow2(Files.createDirectories(paths.disksDir()).resolve("root.qcow2"), cached.toString(), "qcow2");
        assertThat(resolver.resolve(config, paths).disks().getFirst().path()).isEqualTo(paths.disk("root"));

        // A downloaded qcow2 that names a backing file, even one in the images dirs, is never opened.
        Files.delete(cached);
        BackingChainTest.qcow2(cached, images.resolve("tiny/base.qcow2").toString(), "raw");
        assertThat(refusal(config)).satisfies(e -> assertThat(e.field()).isEqualTo("disks[0].image"))
                .satisfies(e -> assertThat(e.problem()).contains("names another file"));
    }

    @Test
    void theBaseImagesBackingChainMustStayInTheImagesDirs() throws Exception {
        Path secret = outside.resolve("secret").toRealPath();
        Path layered = BackingChainTest.qcow2(images.resolve("tiny/layered.qcow2"), "base.qcow2", "raw");
        ResolvedVm vm = resolver.resolve(config(kernel("tiny/vmlinuz"),
                List.of(new DiskConfig("root", new DiskConfig.Overlay("tiny/layered.qcow2", 0))), List.of(), List.of()), paths);
        assertThat(vm.disks().getFirst().backing()).hasValue(layered.toRealPath());

        Path escaping = BackingChainTest.qcow2(images.resolve("tiny/escaping.qcow2"), secret.toString(), "raw");
        Path middle = BackingChainTest.qcow2(images.resolve("tiny/middle.qcow2"), "escaping.qcow2", "qcow2");
        InvalidVmConfigException e = refusal(config(kernel("tiny/vmlinuz"), List.of(
                new DiskConfig("root", new DiskConfig.Overlay("tiny/layered.qcow2", 0)),
                new DiskConfig("data", new DiskConfig.Overlay("tiny/middle.qcow2", 0))), List.of(), List.of()));
        assertThat(e.field()).isEqualTo("disks[1].image");
        assertThat(e.problem()).isEqualTo(escaping.toRealPath() + " names backing file '" + secret + "', which resolves to "
                + secret + ", outside the images dirs [" + images.toRealPath() + "]");
        assertThat(e).hasMessageStartingWith("p: disks[1].image: ");
        assertThat(middle).exists();

        BackingChainTest.qcow2(images.resolve("tiny/json.qcow2"), "json:{\"file\":{\"filename\":\"/etc/passwd\"}}", "raw");
        assertThat(refusal(config(kernel("tiny/vmlinuz"), List.of(new DiskConfig("root", new DiskConfig.Overlay("tiny/json.qcow2", 0))),
                List.of(), List.of()))).satisfies(r -> assertThat(r.field()).isEqualTo("disks[0].image"))
                .satisfies(r -> assertThat(r.problem()).contains("'json:' as a protocol"));
    }

    /** The base an overlay was made over may have changed since: the kept overlay's own chain is checked. */
    @Test
    void aKeptDiskWhoseChainLeavesTheImagesDirsIsRefused() throws Exception {
        Path secret = outside.resolve("secret").toRealPath();
        Path base = BackingChainTest.qcow2(images.resolve("tiny/old.qcow2")).toRealPath();
        Files.createDirectories(paths.disksDir());
        Path overlay = BackingChainTest.qcow2(paths.disk("root"), base.toString(), "qcow2");
        VmConfig config = config(kernel("tiny/vmlinuz"), List.of(new DiskConfig("root", new DiskConfig.Overlay("tiny/base.qcow2", 0)),
                new DiskConfig("scratch", new DiskConfig.Blank(MIB))), List.of(), List.of());
        resolver.resolve(config, paths);

        // The old base is replaced by one that names a host file; the spec's base is still fine.
        Files.delete(base);
        BackingChainTest.qcow2(base, secret.toString(), "raw");
        InvalidVmConfigException e = refusal(config);
        assertThat(e.field()).isEqualTo("disks[0].image");
        assertThat(e.problem()).startsWith("the disk kept from an earlier start: " + base + " names backing file '" + secret + "'")
                .contains("outside the images dirs");

        Files.delete(overlay);
        BackingChainTest.qcow2(paths.disk("scratch"), secret.toString(), "raw");
        InvalidVmConfigException blank = refusal(config);
        assertThat(blank.field()).isEqualTo("disks[1]");
        assertThat(blank.problem()).startsWith("the disk kept from an earlier start: " + paths.disk("scratch").toRealPath()
                + " names backing file '" + secret + "'");
    }

    @Test
    void checksNamesAndPorts() {
        BootConfig boot = kernel("tiny/vmlinuz");
        assertThat(refusal(config(boot, List.of(new DiskConfig("Root Disk", new DiskConfig.Blank(MIB))), List.of(), List.of())).field())
                .isEqualTo("disks[0].name");
        assertThat(refusal(config(boot, List.of(new DiskConfig("a", new DiskConfig.Blank(MIB)), new DiskConfig("a", new DiskConfig.Blank(MIB))),
                List.of(), List.of())).field()).isEqualTo("disks[1].name");
        assertThat(refusal(config(boot, List.of(new DiskConfig("a", new DiskConfig.Blank(0))), List.of(), List.of())).field())
                .isEqualTo("disks[0].size");
        assertThat(refusal(config(boot, List.of(), List.of(new NetworkConfig("lan", new NetworkConfig.User(
                List.of(new NetworkConfig.PortForward(0, 22))))), List.of())).field()).isEqualTo("networks[0].user.forwards[0]");
        assertThat(refusal(config(boot, List.of(), List.of(new NetworkConfig("lan", new NetworkConfig.Bridge("br0,evil=1"))), List.of())).field())
                .isEqualTo("networks[0].bridge");
        assertThat(refusal(config(new BootConfig.FromDisk(Firmware.BIOS), List.of(), List.of(), List.of())).field()).isEqualTo("boot.firmware");
    }

    @Test
    void passthroughDevicesMustBeAllowedAndExist() throws Exception {
        BootConfig boot = kernel("tiny/vmlinuz");
        ResolvedVm vm = resolver.resolve(config(boot, List.of(new DiskConfig("san", new DiskConfig.Passthrough("/dev/null"))), List.of(), List.of()), paths);
        assertThat(vm.disks().getFirst().path()).isEqualTo(Path.of("/dev/null"));
        assertThat(refusal(config(boot, List.of(new DiskConfig("san", new DiskConfig.Passthrough("/dev/zero"))), List.of(), List.of())).problem())
                .contains("not under celadon.passthrough.allowed");
        assertThat(refusal(config(boot, List.of(new DiskConfig("san", new DiskConfig.Passthrough("/dev/null/../zero"))), List.of(), List.of())).problem())
                .contains("normalized");
    }

    /** A fake sysfs: GPU and its audio function in IOMMU group 7, bound as given. */
    private void fakeSysfs(String gpuDriver, String audioDriver, boolean devVfio) throws IOException {
        Path group = Files.createDirectories(host.sys().resolve("kernel/iommu_groups/7/devices"));
        Path drivers = Files.createDirectories(host.sys().resolve("bus/pci/drivers"));
        for (String[] device : new String[][] {{GPU, gpuDriver}, {GPU_AUDIO, audioDriver}}) {
            Path dir = Files.createDirectories(host.sys().resolve("devices/pci0000:00/" + device[0]));
            Files.createDirectories(host.sys().resolve("bus/pci/devices"));
            Files.createSymbolicLink(host.sys().resolve("bus/pci/devices/" + device[0]), dir);
            Files.createSymbolicLink(dir.resolve("iommu_group"), host.sys().resolve("kernel/iommu_groups/7"));
            Files.createSymbolicLink(group.resolve(device[0]), dir);
            if (device[1] != null) {
                Files.createDirectories(drivers.resolve(device[1]));
                Files.createSymbolicLink(dir.resolve("driver"), drivers.resolve(device[1]));
            }
        }
        if (devVfio) {
            Files.createDirectories(host.dev().resolve("vfio"));
            Files.writeString(host.dev().resolve("vfio/7"), "");
        }
    }

    @Test
    void vfioWorksWhenTheWholeGroupIsBoundToVfioPci() throws Exception {
        fakeSysfs("vfio-pci", null, true);
        resolver.resolve(config(kernel("tiny/vmlinuz"), List.of(), List.of(), List.of(new PciAddress(GPU))), paths);
    }

    @Test
    void vfioRefusesAGroupWithAHostDriver() throws Exception {
        fakeSysfs("vfio-pci", "snd_hda_intel", true);
        InvalidVmConfigException e = refusal(config(kernel("tiny/vmlinuz"), List.of(), List.of(), List.of(new PciAddress(GPU))));
        assertThat(e.field()).isEqualTo("devices[0].pci");
        assertThat(e.problem()).contains(GPU_AUDIO, "IOMMU group 7", "snd_hda_intel", "not vfio-pci");
    }

    @Test
    void vfioNeedsAnIommuGroupTheDeviceNodeAndAnAllowance() throws Exception {
        fakeSysfs("vfio-pci", null, false);
        assertThat(refusal(config(kernel("tiny/vmlinuz"), List.of(), List.of(), List.of(new PciAddress(GPU)))).problem())
                .contains("vfio/7 does not exist");
        Files.createDirectories(host.sys().resolve("bus/pci/devices/0000:04:00.0"));
        resolver = new ConfigResolver(QemuSettings.defaults(root.resolve("state"), List.of(images))
                .withPassthroughAllowed(List.of("0000:04:00.0", "0000:05:00.0")), host);
        assertThat(refusal(config(kernel("tiny/vmlinuz"), List.of(), List.of(), List.of(new PciAddress("0000:04:00.0")))).problem())
                .contains("no IOMMU group");
        assertThat(refusal(config(kernel("tiny/vmlinuz"), List.of(), List.of(), List.of(new PciAddress("0000:05:00.0")))).problem())
                .contains("no PCI device");
        assertThat(refusal(config(kernel("tiny/vmlinuz"), List.of(), List.of(), List.of(new PciAddress(GPU)))).problem())
                .contains("not listed");
    }
}
