package dev.celadon.hypervisor.qemu;

import dev.celadon.hypervisor.Accel;
import dev.celadon.hypervisor.GuestProfile;
import dev.celadon.hypervisor.NetworkConfig;
import dev.celadon.hypervisor.PciAddress;
import dev.celadon.hypervisor.VmConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The pure argv builder: (resolved config, accelerator, worker paths, run dir) → QEMU's command line.
 * No file system, no clock, no environment: the same input always gives the same argv, which the
 * golden files under {@code src/test/resources/golden} pin down.
 *
 * <p>Device ids are derived from the spec's names (a disk {@code root} is {@code drive-root} /
 * {@code disk-root}), so they stay the same across restarts and reorderings, and QMP commands can
 * address devices by them.
 */
final class QemuArgv {

    /** The agent's well-known virtio-serial port name; qemu-ga in the guest opens exactly this one. */
    static final String AGENT_PORT = "org.qemu.guest_agent.0";

    /** QEMU's Hyper-V enlightenments for Windows guests on KVM (hv-spinlocks takes a retry count). */
    static final List<String> HYPERV_FLAGS = List.of("hv-relaxed=on", "hv-vapic=on", "hv-spinlocks=0x1fff", "hv-time=on",
            "hv-vpindex=on", "hv-synic=on", "hv-stimer=on", "hv-runtime=on", "hv-frequencies=on", "hv-reset=on",
            "hv-tlbflush=on", "hv-ipi=on");

    /** The cloud-init seed's block nodes and device. */
    static final String SEED_FILE_NODE = "file_cidata";
    static final String SEED_NODE = "drive_cidata";
    static final String SEED_DEVICE = "disk_cidata";

    private QemuArgv() {
    }

    static List<String> build(String qemuBinary, ResolvedVm vm, Accel accel, WorkerPaths paths, WorkerPaths.RunPaths run) {
        VmConfig config = vm.config();
        boolean legacy = config.profile() == GuestProfile.LEGACY;
        List<String> argv = new ArrayList<>();
        argv.add(qemuBinary);
        add(argv, "-name", "guest=" + config.name() + ",debug-threads=on");
        // Locked by QEMU while it runs: a second QEMU of this partition refuses to start. Also the marker
        // WorkerScan finds our workers by.
        add(argv, "-pidfile", paths.pidFile().toString());
        // Paused until QMP is negotiated and we say cont; no host config files, no default devices;
        // a guest poweroff stops the CPUs instead of exiting, so we see why the guest stopped.
        argv.addAll(List.of("-S", "-no-user-config", "-nodefaults", "-no-shutdown"));
        // Secure Boot firmware keeps its keys in flash only SMM code may write: the guest's OS cannot replace them.
        boolean secureBoot = vm.uefi().filter(ResolvedVm.Uefi::secureBoot).isPresent();
        add(argv, "-machine", (legacy ? "pc" : "q35") + (secureBoot ? ",smm=on" : "") + ",accel=" + accel.qemuName());
        add(argv, "-cpu", cpu(config.profile(), accel));
        add(argv, "-smp", Integer.toString(config.cpus()));
        // Enlightened guests boot with maxMemory and the balloon takes them down to memory, so that
        // memory can grow again live; legacy guests have no balloon and get what they asked for.
        add(argv, "-m", "size=" + (legacy ? config.memoryBytes() : config.maxMemoryBytes()) + "B");
        add(argv, "-uuid", Identity.smbiosUuid(config.name()).toString());
        add(argv, "-smbios", "type=1,manufacturer=Celadon,product=Celadon partition,serial=" + config.name());
        add(argv, "-display", "none");
        // Nothing may spawn: a bridge NIC's tap is Celadon's, made before the launch (no qemu-bridge-helper).
        add(argv, "-sandbox", "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny");
        add(argv, "-msg", "timestamp=on");
        add(argv, "-rtc", config.profile() == GuestProfile.WINDOWS ? "base=localtime" : "base=utc");
        add(argv, "-chardev", "socket,id=charmonitor,path=" + escape(run.qmpSocket()) + ",server=on,wait=off");
        add(argv, "-mon", "chardev=charmonitor,id=monitor,mode=control");
        // A socket, not a file: ConsoleCapture reads it into a log of bounded size. Unread, QEMU drops the output.
        add(argv, "-chardev", "socket,id=charserial0,path=" + escape(run.consoleSocket()) + ",server=on,wait=off");
        add(argv, "-serial", "chardev:charserial0");
        vm.uefi().ifPresent(uefi -> {
            if (uefi.secureBoot()) {
                add(argv, "-global", "driver=cfi.pflash01,property=secure,value=on");
            }
            add(argv, "-drive", "if=pflash,format=raw,unit=0,readonly=on,file=" + escape(uefi.code()));
            add(argv, "-drive", "if=pflash,format=raw,unit=1,file=" + escape(uefi.vars()));
        });
        vm.kernel().ifPresent(kernel -> {
            add(argv, "-kernel", kernel.kernel().toString());
            kernel.initrd().ifPresent(initrd -> add(argv, "-initrd", initrd.toString()));
            if (!kernel.cmdline().isEmpty()) {
                add(argv, "-append", kernel.cmdline());
            }
        });
        disks(argv, vm, legacy);
        if (config.cloudInit().isPresent()) {
            seed(argv, paths.seed(), legacy);
        }
        for (NetworkConfig network : config.networks()) {
            add(argv, "-netdev", netdev(network, Taps.name(paths.stateDir(), config.name(), network.name())));
            add(argv, "-device", network.effectiveModel(config.profile()).qemuDevice() + ",netdev=hostnet-" + network.name()
                    + ",id=net-" + network.name() + ",mac=" + Identity.mac(config.name(), network.name()));
        }
        if (config.hasAgentChannel()) {
            add(argv, "-chardev", "socket,id=charagent,path=" + escape(run.agentSocket()) + ",server=on,wait=off");
            add(argv, "-device", "virtio-serial-pci,id=vserial0");
            add(argv, "-device", "virtserialport,bus=vserial0.0,nr=1,chardev=charagent,id=agent0,name=" + AGENT_PORT);
        }
        if (!legacy) {
            add(argv, "-device", "virtio-balloon-pci,id=balloon0");
            // pvpanic lets a panicking guest say so (GUEST_PANICKED) instead of just going quiet.
            add(argv, "-device", "pvpanic,id=panic0");
        }
        if (config.tpm()) {
            // The partition's own swtpm (Swtpm), started before QEMU; CRB is the TPM 2.0 interface Windows and Linux expect.
            add(argv, "-chardev", "socket,id=chartpm,path=" + escape(run.tpmSocket()));
            add(argv, "-tpmdev", "emulator,id=tpm0,chardev=chartpm");
            add(argv, "-device", "tpm-crb,tpmdev=tpm0,id=tpm-crb0");
        }
        int hostdev = 0;
        for (PciAddress device : config.devices()) {
            add(argv, "-device", "vfio-pci,host=" + device.value() + ",id=hostdev" + hostdev++);
        }
        return List.copyOf(argv);
    }

    private static String cpu(GuestProfile profile, Accel accel) {
        if (accel == Accel.TCG) {
            // kvmclock and the hv-* flags need KVM; under TCG the emulated CPU is the best there is.
            return "max";
        }
        return switch (profile) {
            case LEGACY -> "host,kvmclock=off";
            case ENLIGHTENED -> "host,kvmclock=on";
            case WINDOWS -> "host,kvmclock=on," + String.join(",", HYPERV_FLAGS);
        };
    }

    private static void disks(List<String> argv, ResolvedVm vm, boolean legacy) {
        boolean firmwareBoot = vm.kernel().isEmpty();
        boolean scsiController = false;
        int ide = 0;
        boolean first = true;
        for (ResolvedVm.Disk disk : vm.disks()) {
            String drive = driveNode(disk.name());
            String bootindex = first && firmwareBoot ? ",bootindex=1" : "";
            first = false;
            switch (disk.kind()) {
                case IMAGE -> {
                    add(argv, "-blockdev", "driver=file,filename=" + escape(disk.path()) + ",node-name=file-" + disk.name());
                    add(argv, "-blockdev", "driver=qcow2,file=file-" + disk.name() + ",node-name=" + drive);
                    if (legacy) {
                        add(argv, "-device", "ide-hd,bus=ide." + ide / 2 + ",unit=" + ide % 2 + ",drive=" + drive
                                + ",id=disk-" + disk.name() + bootindex);
                        ide++;
                    } else {
                        add(argv, "-device", "virtio-blk-pci,drive=" + drive + ",id=disk-" + disk.name() + bootindex);
                    }
                }
                case PASSTHROUGH -> {
                    if (!scsiController) {
                        // SCSI commands pass through to the device: virtio-scsi for enlightened
                        // guests, an emulated LSI HBA (drivers everywhere) for legacy ones.
                        add(argv, "-device", (legacy ? "lsi53c895a" : "virtio-scsi-pci") + ",id=scsi0");
                        scsiController = true;
                    }
                    add(argv, "-blockdev", "driver=host_device,filename=" + escape(disk.path()) + ",node-name=" + drive);
                    add(argv, "-device", "scsi-block,bus=scsi0.0,drive=" + drive + ",id=disk-" + disk.name() + bootindex);
                }
            }
        }
    }

    /**
     * The cloud-init seed, read-only in every layer so no guest can change what the next boot reads. Its
     * ids hold a '_', which disk names (DNS labels) never do. Enlightened guests get a virtio disk; a legacy
     * guest an IDE CD-ROM, the one read-only drive it has a driver for (QEMU refuses a read-only ide-hd).
     */
    private static void seed(List<String> argv, Path seed, boolean legacy) {
        add(argv, "-blockdev", "driver=file,filename=" + escape(seed) + ",node-name=" + SEED_FILE_NODE + ",read-only=on");
        add(argv, "-blockdev", "driver=raw,file=" + SEED_FILE_NODE + ",node-name=" + SEED_NODE + ",read-only=on");
        add(argv, "-device", (legacy ? "ide-cd,bus=ide.1,unit=1" : "virtio-blk-pci") + ",drive=" + SEED_NODE + ",id=" + SEED_DEVICE);
    }

    private static String netdev(NetworkConfig network, String tap) {
        String id = "hostnet-" + network.name();
        return switch (network.attachment()) {
            // The tap exists already (Taps): QEMU opens it by name and runs no script.
            case NetworkConfig.Bridge bridge -> "tap,id=" + id + ",ifname=" + tap + ",script=no,downscript=no";
            // restrict=on: the guest reaches nothing outside; forwards listen on loopback only.
            case NetworkConfig.User user -> "user,id=" + id + ",restrict=on" + user.forwards().stream()
                    .map(f -> ",hostfwd=tcp:127.0.0.1:" + f.hostPort() + "-:" + f.guestPort())
                    .collect(Collectors.joining());
        };
    }

    /** The block node QEMU knows a disk's format layer by: what the device opens and QMP resizes. */
    static String driveNode(String disk) {
        return "drive-" + disk;
    }

    /** QEMU option values are comma-separated; a literal comma in a path is written twice. */
    static String escape(Path path) {
        return path.toString().replace(",", ",,");
    }

    private static void add(List<String> argv, String option, String value) {
        argv.add(option);
        argv.add(value);
    }
}
