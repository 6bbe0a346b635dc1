package dev.celadon.hypervisor.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.celadon.hypervisor.Accel;
import dev.celadon.hypervisor.BootConfig;
import dev.celadon.hypervisor.CloudInit;
import dev.celadon.hypervisor.DiskConfig;
import dev.celadon.hypervisor.Firmware;
import dev.celadon.hypervisor.GuestProfile;
import dev.celadon.hypervisor.IntegrationServices;
import dev.celadon.hypervisor.NetworkConfig;
import dev.celadon.hypervisor.NicModel;
import dev.celadon.hypervisor.PartitionName;
import dev.celadon.hypervisor.PciAddress;
import dev.celadon.hypervisor.VmConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class QemuArgvTest {

    private static final long MIB = 1024 * 1024;
    private static final Path STATE = Path.of("/var/lib/celadon");
    private static final Path IMAGES = Path.of("/var/lib/celadon/images");
    private static final BootConfig.Kernel KERNEL = new BootConfig.Kernel("tiny/vmlinuz", Optional.of("tiny/initrd.img"),
            "console=ttyS0 celadon.hostname=web-01");
    private static final NetworkConfig USER_NET = new NetworkConfig("mgmt",
            new NetworkConfig.User(List.of(new NetworkConfig.PortForward(2222, 22), new NetworkConfig.PortForward(8080, 80))));

    private static VmConfig config(String name, GuestProfile profile, BootConfig boot, List<DiskConfig> disks,
                                   List<NetworkConfig> networks, List<PciAddress> devices, IntegrationServices integration) {
        return new VmConfig(new PartitionName(name), profile, 2, 512 * MIB, 1024 * MIB, boot, disks, networks, devices,
                integration, Duration.ofSeconds(30));
    }

    /** What the resolver would make of the config on a host where everything exists. */
    private static List<String> argv(VmConfig config, Accel accel) {
        WorkerPaths paths = WorkerPaths.of(STATE, config.name());
        Optional<ResolvedVm.Kernel> kernel = config.boot() instanceof BootConfig.Kernel k
                ? Optional.of(new ResolvedVm.Kernel(IMAGES.resolve(k.kernel()), k.initrd().map(IMAGES::resolve), k.cmdline()))
                : Optional.empty();
        Optional<ResolvedVm.Uefi> uefi = Optional.empty();
        if (config.boot() instanceof BootConfig.FromDisk(Firmware firmware, boolean secureBoot) && firmware == Firmware.UEFI) {
            uefi = Optional.of(secureBoot
                    ? new ResolvedVm.Uefi(QemuSettings.SECURE_BOOT_CODE, QemuSettings.SECURE_BOOT_VARS, paths.secureBootVars(), true)
                    : new ResolvedVm.Uefi(Path.of("/usr/share/OVMF/OVMF_CODE_4M.fd"), Path.of("/usr/share/OVMF/OVMF_VARS_4M.fd"),
                    paths.uefiVars(), false));
        }
        List<ResolvedVm.Disk> disks = config.disks().stream().map(d -> switch (d.source()) {
            case DiskConfig.Overlay o -> new ResolvedVm.Disk(d.name(), ResolvedVm.Disk.Kind.IMAGE, paths.disk(d.name()),
                    Optional.of(IMAGES.resolve(o.baseImage())), o.sizeBytes());
            case DiskConfig.Downloaded dl -> new ResolvedVm.Disk(d.name(), ResolvedVm.Disk.Kind.IMAGE, paths.disk(d.name()),
                    Optional.of(IMAGES.resolve(dl.sha256())), dl.sizeBytes());
            case DiskConfig.Blank b -> new ResolvedVm.Disk(d.name(), ResolvedVm.Disk.Kind.IMAGE, paths.disk(d.name()),
                    Optional.empty(), b.sizeBytes());
            case DiskConfig.Passthrough p -> new ResolvedVm.Disk(d.name(), ResolvedVm.Disk.Kind.PASSTHROUGH,
                    Path.of(p.devicePath()), Optional.empty(), 0);
        }).toList();
        return QemuArgv.build("qemu-system-x86_64", new ResolvedVm(config, kernel, uefi, disks), accel, paths,
                new WorkerPaths.RunPaths(STATE.resolve("run/r0n1d2x3y4")));
    }

    private static final List<DiskConfig> ROOT_AND_SCRATCH = List.of(
            new DiskConfig("root", new DiskConfig.Overlay("tiny/base.qcow2", 0)),
            new DiskConfig("scratch", new DiskConfig.Blank(1024 * MIB)));

    @Test
    void enlightenedOnTcg() throws Exception {
        GoldenArgs.assertMatches("enlightened-kernel-tcg", argv(config("web-01", GuestProfile.ENLIGHTENED, KERNEL,
                ROOT_AND_SCRATCH, List.of(USER_NET), List.of(), IntegrationServices.ALL), Accel.TCG));
    }

    @Test
    void enlightenedOnKvmUsesKvmclock() throws Exception {
        List<String> argv = argv(config("web-01", GuestProfile.ENLIGHTENED, KERNEL, ROOT_AND_SCRATCH, List.of(USER_NET),
                List.of(), IntegrationServices.ALL), Accel.KVM);
        GoldenArgs.assertMatches("enlightened-kernel-kvm", argv);
        assertThat(argv).contains("host,kvmclock=on", "q35,accel=kvm");
    }

    @Test
    void legacyHasOnlyEmulatedDevices() throws Exception {
        List<String> argv = argv(config("old-01", GuestProfile.LEGACY, KERNEL, ROOT_AND_SCRATCH, List.of(USER_NET),
                List.of(), IntegrationServices.ALL), Accel.TCG);
        GoldenArgs.assertMatches("legacy-kernel-tcg", argv);
        assertThat(String.join(" ", argv)).doesNotContain("virtio", "guest_agent", "pvpanic", "balloon").contains("pc,accel=tcg", "e1000", "ide-hd");
    }

    @Test
    void legacyOnKvmTurnsKvmclockOff() throws Exception {
        GoldenArgs.assertMatches("legacy-kernel-kvm", argv(config("old-01", GuestProfile.LEGACY, KERNEL, List.of(),
                List.of(), List.of(), IntegrationServices.NONE), Accel.KVM));
    }

    @Test
    void windowsOnKvmGetsHyperVEnlightenments() throws Exception {
        List<String> argv = argv(config("win-01", GuestProfile.WINDOWS, new BootConfig.FromDisk(Firmware.UEFI),
                List.of(new DiskConfig("c", new DiskConfig.Overlay("windows/server2022.qcow2", 64L * 1024 * MIB))),
                List.of(USER_NET), List.of(), IntegrationServices.ALL), Accel.KVM);
        GoldenArgs.assertMatches("windows-uefi-kvm", argv);
        assertThat(argv.get(argv.indexOf("-cpu") + 1)).contains(QemuArgv.HYPERV_FLAGS);
    }

    @Test
    void windowsOnTcgHasNoHyperVFlags() throws Exception {
        List<String> argv = argv(config("win-01", GuestProfile.WINDOWS, new BootConfig.FromDisk(Firmware.UEFI),
                List.of(new DiskConfig("c", new DiskConfig.Overlay("windows/server2022.qcow2", 0))),
                List.of(), List.of(), IntegrationServices.ALL), Accel.TCG);
        GoldenArgs.assertMatches("windows-uefi-tcg", argv);
        assertThat(String.join(" ", argv)).doesNotContain("hv-");
    }

    /** Hyper-V's generation 2, as Windows 11 needs it: Secure Boot firmware with SMM, and the partition's own TPM. */
    @Test
    void generation2HasSecureBootWithSmmAndATpm() throws Exception {
        List<String> argv = argv(config("win-11", GuestProfile.WINDOWS, new BootConfig.FromDisk(Firmware.UEFI, true),
                List.of(new DiskConfig("c", new DiskConfig.Blank(64L * 1024 * MIB))), List.of(), List.of(),
                IntegrationServices.ALL).withTpm(true), Accel.KVM);
        GoldenArgs.assertMatches("generation-2-kvm", argv);
        assertThat(argv).contains("q35,smm=on,accel=kvm", "driver=cfi.pflash01,property=secure,value=on",
                "if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.ms.fd",
                "if=pflash,format=raw,unit=1,file=/var/lib/celadon/disks/win-11/OVMF_VARS.ms.fd",
                "socket,id=chartpm,path=/var/lib/celadon/run/r0n1d2x3y4/tpm.sock", "emulator,id=tpm0,chardev=chartpm",
                "tpm-crb,tpmdev=tpm0,id=tpm-crb0");
    }

    /** A TPM without Secure Boot, on a kernel-booted guest under TCG: no SMM, no secure flash. */
    @Test
    void tpmAloneAddsOnlyTheTpm() throws Exception {
        List<String> argv = argv(config("web-01", GuestProfile.ENLIGHTENED, KERNEL, ROOT_AND_SCRATCH, List.of(USER_NET),
                List.of(), IntegrationServices.ALL).withTpm(true), Accel.TCG);
        GoldenArgs.assertMatches("enlightened-kernel-tpm-tcg", argv);
        assertThat(String.join(" ", argv)).doesNotContain("smm", "cfi.pflash01", "pflash").contains("tpm-crb");
    }

    @Test
    void passthroughOnEnlightenedIsVirtioScsiAndVfio() throws Exception {
        GoldenArgs.assertMatches("passthrough-enlightened", argv(config("san-01", GuestProfile.ENLIGHTENED,
                new BootConfig.FromDisk(Firmware.BIOS),
                List.of(new DiskConfig("root", new DiskConfig.Blank(4096 * MIB)),
                        new DiskConfig("san", new DiskConfig.Passthrough("/dev/disk/by-id/scsi-XYZ")),
                        new DiskConfig("tape", new DiskConfig.Passthrough("/dev/sg3"))),
                List.of(), List.of(new PciAddress("0000:03:00.0"), new PciAddress("0000:03:00.1")), IntegrationServices.ALL), Accel.KVM));
    }

    @Test
    void passthroughOnLegacyUsesAnEmulatedHba() throws Exception {
        GoldenArgs.assertMatches("passthrough-legacy", argv(config("san-02", GuestProfile.LEGACY,
                new BootConfig.FromDisk(Firmware.BIOS),
                List.of(new DiskConfig("san", new DiskConfig.Passthrough("/dev/disk/by-id/scsi-XYZ"))),
                List.of(), List.of(), IntegrationServices.NONE), Accel.TCG));
    }

    @Test
    void bridgeNicIsCeladonsOwnTapAndNothingMaySpawn() throws Exception {
        List<String> argv = argv(config("lan-01", GuestProfile.ENLIGHTENED, new BootConfig.FromDisk(Firmware.BIOS),
                List.of(new DiskConfig("root", new DiskConfig.Overlay("debian/bookworm.qcow2", 0))),
                List.of(new NetworkConfig("lan", new NetworkConfig.Bridge("br0", OptionalInt.of(20)))), List.of(),
                IntegrationServices.NONE), Accel.TCG);
        GoldenArgs.assertMatches("bios-bridge-no-agent", argv);
        String tap = Taps.name(STATE, new PartitionName("lan-01"), "lan");
        assertThat(argv).contains("tap,id=hostnet-lan,ifname=" + tap + ",script=no,downscript=no")
                .contains("on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny");
        assertThat(String.join(" ", argv)).doesNotContain("guest_agent").doesNotContain("br0").doesNotContain("helper");
    }

    @Test
    void nicModelIsTheProfilesUnlessTheSpecSaysOtherwise() throws Exception {
        List<NetworkConfig> nics = List.of(new NetworkConfig("lan", new NetworkConfig.Bridge("celadon0")),
                new NetworkConfig("old", new NetworkConfig.Bridge("celadon0", OptionalInt.of(4094)), Optional.of(NicModel.RTL8139)),
                new NetworkConfig("fast", new NetworkConfig.User(List.of()), Optional.of(NicModel.VIRTIO)));
        List<String> legacy = argv(config("nt-01", GuestProfile.LEGACY, new BootConfig.FromDisk(Firmware.BIOS),
                List.of(new DiskConfig("root", new DiskConfig.Overlay("nt/nt4.qcow2", 0))), nics, List.of(),
                IntegrationServices.NONE), Accel.TCG);
        GoldenArgs.assertMatches("legacy-bridge-models", legacy);
        assertThat(String.join(" ", legacy)).contains("-device e1000,netdev=hostnet-lan")
                .contains("-device rtl8139,netdev=hostnet-old").contains("-device virtio-net-pci,netdev=hostnet-fast");
        List<String> enlightened = argv(config("nt-01", GuestProfile.WINDOWS, new BootConfig.FromDisk(Firmware.BIOS),
                List.of(), List.of(nics.get(0), new NetworkConfig("e", new NetworkConfig.User(List.of()), Optional.of(NicModel.E1000))),
                List.of(), IntegrationServices.NONE), Accel.TCG);
        assertThat(String.join(" ", enlightened)).contains("-device virtio-net-pci,netdev=hostnet-lan")
                .contains("-device e1000,netdev=hostnet-e");
    }

    @Test
    void alwaysPausedWithoutDefaultsAndSandboxed() {
        List<String> argv = argv(config("web-01", GuestProfile.ENLIGHTENED, KERNEL, List.of(), List.of(), List.of(),
                IntegrationServices.ALL), Accel.TCG);
        assertThat(argv).contains("-S", "-no-user-config", "-nodefaults", "-no-shutdown", "-sandbox");
        assertThat(argv).contains("on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny");
        assertThat(argv).contains("socket,id=charmonitor,path=/var/lib/celadon/run/r0n1d2x3y4/qmp.sock,server=on,wait=off");
        assertThat(argv).containsSubsequence("-pidfile", "/var/lib/celadon/workers/web-01/qemu.pid");
        assertThat(argv).as("the console is a socket ConsoleCapture reads, never a file that grows")
                .contains("socket,id=charserial0,path=/var/lib/celadon/run/r0n1d2x3y4/console.sock,server=on,wait=off");
        assertThat(argv).contains("virtserialport,bus=vserial0.0,nr=1,chardev=charagent,id=agent0,name=org.qemu.guest_agent.0");
    }

    private static final CloudInit SEED = CloudInit.of(new PartitionName("web-01"), "#cloud-config\nhostname: web-01\n",
            Optional.empty());

    @Test
    void cloudInitSeedIsAReadOnlyVirtioDisk() throws Exception {
        List<String> argv = argv(config("web-01", GuestProfile.ENLIGHTENED, new BootConfig.FromDisk(Firmware.UEFI),
                ROOT_AND_SCRATCH, List.of(USER_NET), List.of(), IntegrationServices.ALL).withCloudInit(Optional.of(SEED)), Accel.TCG);
        GoldenArgs.assertMatches("cloud-init-enlightened", argv);
        assertThat(argv).contains("driver=file,filename=/var/lib/celadon/workers/web-01/cidata.img,node-name=file_cidata,read-only=on",
                "driver=raw,file=file_cidata,node-name=drive_cidata,read-only=on", "virtio-blk-pci,drive=drive_cidata,id=disk_cidata");
        assertThat(String.join(" ", argv)).as("the root disk stays the one firmware boots")
                .contains("id=disk-root,bootindex=1").doesNotContain("disk_cidata,bootindex");
    }

    @Test
    void cloudInitSeedOnLegacyIsAnIdeCdromInTheLastSlot() throws Exception {
        List<String> argv = argv(config("old-01", GuestProfile.LEGACY, KERNEL, ROOT_AND_SCRATCH, List.of(USER_NET), List.of(),
                IntegrationServices.NONE).withCloudInit(Optional.of(SEED)), Accel.TCG);
        GoldenArgs.assertMatches("cloud-init-legacy", argv);
        assertThat(argv).contains("ide-cd,bus=ide.1,unit=1,drive=drive_cidata,id=disk_cidata");
        assertThat(String.join(" ", argv)).doesNotContain("virtio");
    }

    @Test
    void commasInPathsAreDoubled() {
        assertThat(QemuArgv.escape(Path.of("/srv/a,b/disk.qcow2"))).isEqualTo("/srv/a,,b/disk.qcow2");
    }

    @Test
    void sameConfigSameArgv() {
        VmConfig config = config("web-01", GuestProfile.ENLIGHTENED, KERNEL, ROOT_AND_SCRATCH, List.of(USER_NET), List.of(),
                IntegrationServices.ALL);
        assertThat(argv(config, Accel.TCG)).isEqualTo(argv(config, Accel.TCG));
    }
}
