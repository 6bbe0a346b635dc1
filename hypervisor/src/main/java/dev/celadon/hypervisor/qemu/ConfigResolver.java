package dev.celadon.hypervisor.qemu;

import dev.celadon.hypervisor.BootConfig;
import dev.celadon.hypervisor.DiskConfig;
import dev.celadon.hypervisor.Firmware;
import dev.celadon.hypervisor.GuestProfile;
import dev.celadon.hypervisor.InvalidVmConfigException;
import dev.celadon.hypervisor.NetworkConfig;
import dev.celadon.hypervisor.PartitionName;
import dev.celadon.hypervisor.PciAddress;
import dev.celadon.hypervisor.VmConfig;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks a {@link VmConfig} against this host and resolves its paths, so that a worker only ever
 * opens files inside the images dirs and the state dir, and devices that are allowed and can work.
 * Every refusal is an {@link InvalidVmConfigException} naming the spec field.
 */
final class ConfigResolver {

    /** Disk and network names become QEMU ids and file names: DNS-1123 labels only. */
    private static final Pattern ID = Pattern.compile("[a-z0-9]([-a-z0-9]{0,30}[a-z0-9])?");
    private static final Pattern BRIDGE = Pattern.compile("[A-Za-z0-9_.-]{1,15}");
    /** The PIIX IDE controller of the pc machine has two buses with two units each. */
    private static final int LEGACY_IDE_DISKS = 4;

    private final QemuSettings settings;
    private final HostPaths host;

    ConfigResolver(QemuSettings settings, HostPaths host) {
        this.settings = settings;
        this.host = host;
    }

    ResolvedVm resolve(VmConfig config, WorkerPaths paths) throws InvalidVmConfigException {
        PartitionName name = config.name();
        Optional<ResolvedVm.Kernel> kernel = Optional.empty();
        Optional<ResolvedVm.Uefi> uefi = Optional.empty();
        switch (config.boot()) {
            case BootConfig.Kernel k -> {
                Path kernelPath = image(name, "boot.kernel", k.kernel());
                Optional<Path> initrd = Optional.empty();
                if (k.initrd().isPresent()) {
                    initrd = Optional.of(image(name, "boot.initrd", k.initrd().get()));
                }
                kernel = Optional.of(new ResolvedVm.Kernel(kernelPath, initrd, k.cmdline()));
            }
            case BootConfig.FromDisk fromDisk -> {
                if (config.disks().isEmpty()) {
                    throw new InvalidVmConfigException(name, "boot.firmware", "firmware boot needs a disk to boot from");
                }
                if (fromDisk.firmware() == Firmware.UEFI) {
                    for (Path file : List.of(settings.ovmfCode(), settings.ovmfVars())) {
                        if (!Files.isRegularFile(file)) {
                            throw new InvalidVmConfigException(name, "boot.firmware", "UEFI firmware " + file + " is not installed (Debian package ovmf)");
                        }
                    }
                    uefi = Optional.of(new ResolvedVm.Uefi(settings.ovmfCode(), paths.uefiVars()));
                }
            }
        }
        List<ResolvedVm.Disk> disks = disks(config, paths);
        networks(config);
        for (int i = 0; i < config.devices().size(); i++) {
            pciDevice(name, "devices[" + i + "].pci", config.devices().get(i));
        }
        return new ResolvedVm(config, kernel, uefi, disks);
    }

    private List<ResolvedVm.Disk> disks(VmConfig config, WorkerPaths paths) throws InvalidVmConfigException {
        PartitionName name = config.name();
        List<ResolvedVm.Disk> disks = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        int images = 0;
        for (int i = 0; i < config.disks().size(); i++) {
            DiskConfig disk = config.disks().get(i);
            String field = "disks[" + i + "]";
            if (!ID.matcher(disk.name()).matches()) {
                throw new InvalidVmConfigException(name, field + ".name", "must be a DNS-1123 label of at most 32 characters: " + disk.name());
            }
            if (!seen.add(disk.name())) {
                throw new InvalidVmConfigException(name, field + ".name", "duplicate disk name " + disk.name());
            }
            switch (disk.source()) {
                case DiskConfig.Overlay overlay -> {
                    Path base = image(name, field + ".image", overlay.baseImage());
                    baseChain(name, field + ".image", base);
                    keptDisk(name, field + ".image", paths.disk(disk.name()));
                    disks.add(new ResolvedVm.Disk(disk.name(), ResolvedVm.Disk.Kind.IMAGE, paths.disk(disk.name()),
                            Optional.of(base), disk.sizeBytes()));
                    images++;
                }
                case DiskConfig.Blank blank -> {
                    if (blank.sizeBytes() <= 0) {
                        throw new InvalidVmConfigException(name, field + ".size", "a blank disk needs a size above 0");
                    }
                    keptDisk(name, field, paths.disk(disk.name()));
                    disks.add(new ResolvedVm.Disk(disk.name(), ResolvedVm.Disk.Kind.IMAGE, paths.disk(disk.name()),
                            Optional.empty(), disk.sizeBytes()));
                    images++;
                }
                case DiskConfig.Passthrough passthrough -> disks.add(new ResolvedVm.Disk(disk.name(),
                        ResolvedVm.Disk.Kind.PASSTHROUGH, blockDevice(name, field + ".passthrough", passthrough.devicePath()),
                        Optional.empty(), 0));
            }
        }
        if (config.profile() == GuestProfile.LEGACY && images > LEGACY_IDE_DISKS) {
            throw new InvalidVmConfigException(name, "disks", "the legacy profile has " + LEGACY_IDE_DISKS
                    + " IDE slots; " + images + " disks asked for");
        }
        return disks;
    }

    private static void networks(VmConfig config) throws InvalidVmConfigException {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < config.networks().size(); i++) {
            NetworkConfig network = config.networks().get(i);
            String field = "networks[" + i + "]";
            if (!ID.matcher(network.name()).matches()) {
                throw new InvalidVmConfigException(config.name(), field + ".name", "must be a DNS-1123 label of at most 32 characters: " + network.name());
            }
            if (!seen.add(network.name())) {
                throw new InvalidVmConfigException(config.name(), field + ".name", "duplicate network name " + network.name());
            }
            switch (network.attachment()) {
                case NetworkConfig.Bridge bridge -> {
                    if (!BRIDGE.matcher(bridge.bridge()).matches()) {
                        throw new InvalidVmConfigException(config.name(), field + ".bridge", "not a Linux interface name: " + bridge.bridge());
                    }
                }
                case NetworkConfig.User user -> {
                    for (int f = 0; f < user.forwards().size(); f++) {
                        NetworkConfig.PortForward forward = user.forwards().get(f);
                        if (!validPort(forward.hostPort()) || !validPort(forward.guestPort())) {
                            throw new InvalidVmConfigException(config.name(), field + ".user.forwards[" + f + "]",
                                    "ports must be 1-65535: " + forward.hostPort() + " -> " + forward.guestPort());
                        }
                    }
                }
            }
        }
    }

    private static boolean validPort(int port) {
        return port >= 1 && port <= 65535;
    }

    /**
     * QEMU opens the base image's backing files and external data files too, by the names in its
     * qcow2 header, so every one of them must also lie in the images dirs. Our overlay sits on top of
     * the base: the base's chain may hold one image fewer than a chain may.
     */
    private void baseChain(PartitionName name, String field, Path base) throws InvalidVmConfigException {
        try {
            BackingChain.of(base, realImagesDirs(), BackingChain.MAX_IMAGES - 1);
        } catch (BackingChain.Problem e) {
            throw new InvalidVmConfigException(name, field, e.getMessage());
        }
    }

    /**
     * A disk kept from an earlier start is opened with whatever its header names now: an overlay names
     * the base it was made over (by absolute path), which may since have changed, moved out of the
     * images dirs, or stopped being the spec's base. Its chain is held to the same rule.
     */
    private void keptDisk(PartitionName name, String field, Path disk) throws InvalidVmConfigException {
        if (!Files.exists(disk)) {
            return;
        }
        try {
            BackingChain.of(disk, realImagesDirs(), BackingChain.MAX_IMAGES);
        } catch (BackingChain.Problem e) {
            throw new InvalidVmConfigException(name, field, "the disk kept from an earlier start: " + e.getMessage());
        }
    }

    /** The images dirs by their real paths; one that does not exist holds nothing. */
    private List<Path> realImagesDirs() {
        List<Path> realDirs = new ArrayList<>();
        for (Path dir : settings.imagesDirs()) {
            try {
                realDirs.add(dir.toRealPath());
            } catch (IOException e) {
                // An images dir that does not exist holds nothing; the others may.
            }
        }
        return realDirs;
    }

    /**
     * Resolves a path relative to the images dirs, following symlinks, and refuses anything whose
     * real path is outside every images dir: {@code ..}, absolute paths, and symlinks that escape.
     */
    Path image(PartitionName name, String field, String relative) throws InvalidVmConfigException {
        if (relative.isBlank()) {
            throw new InvalidVmConfigException(name, field, "empty path");
        }
        Path path = Path.of(relative);
        if (path.isAbsolute()) {
            throw new InvalidVmConfigException(name, field, "must be relative to an images dir, not absolute: " + relative);
        }
        for (Path segment : path) {
            if (segment.toString().equals("..")) {
                throw new InvalidVmConfigException(name, field, "must not contain '..': " + relative);
            }
        }
        List<Path> realDirs = realImagesDirs();
        for (Path dir : realDirs) {
            Path candidate = dir.resolve(path);
            if (!Files.exists(candidate)) {
                continue;
            }
            Path real;
            try {
                real = candidate.toRealPath();
            } catch (IOException e) {
                throw new InvalidVmConfigException(name, field, "cannot resolve " + candidate + ": " + e.getMessage());
            }
            if (realDirs.stream().noneMatch(real::startsWith)) {
                throw new InvalidVmConfigException(name, field, relative + " resolves to " + real + ", outside the images dirs " + realDirs);
            }
            if (!Files.isRegularFile(real)) {
                throw new InvalidVmConfigException(name, field, relative + " is not a regular file");
            }
            if (!Files.isReadable(real)) {
                throw new InvalidVmConfigException(name, field, relative + " is not readable");
            }
            return real;
        }
        throw new InvalidVmConfigException(name, field, relative + " not found in the images dirs " + settings.imagesDirs());
    }

    /** A passed-through block device: absolute, listed (or under a listed directory), and a device node. */
    private Path blockDevice(PartitionName name, String field, String devicePath) throws InvalidVmConfigException {
        Path path = Path.of(devicePath);
        if (!path.isAbsolute() || !path.normalize().equals(path)) {
            throw new InvalidVmConfigException(name, field, "must be an absolute, normalized path: " + devicePath);
        }
        boolean allowed = settings.passthroughAllowed().stream()
                .filter(entry -> entry.startsWith("/"))
                .map(Path::of)
                .anyMatch(path::startsWith);
        if (!allowed) {
            throw new InvalidVmConfigException(name, field, devicePath + " is not under celadon.passthrough.allowed "
                    + settings.passthroughAllowed());
        }
        if (!Files.exists(path)) {
            throw new InvalidVmConfigException(name, field, devicePath + " does not exist on this host");
        }
        try {
            BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
            if (!attributes.isOther()) {
                throw new InvalidVmConfigException(name, field, devicePath + " is not a device node");
            }
        } catch (IOException e) {
            throw new InvalidVmConfigException(name, field, "cannot inspect " + devicePath + ": " + e.getMessage());
        }
        return path;
    }

    /**
     * VFIO assignment works only when the device is allowed, exists, sits in an IOMMU group, and every
     * device of that group is bound to vfio-pci (or to no driver): the group is the unit of isolation,
     * and QEMU would otherwise fail with a terse message at launch.
     */
    private void pciDevice(PartitionName name, String field, PciAddress address) throws InvalidVmConfigException {
        if (!settings.passthroughAllowed().contains(address.value())) {
            throw new InvalidVmConfigException(name, field, address + " is not listed in celadon.passthrough.allowed "
                    + settings.passthroughAllowed());
        }
        Path device = host.sys().resolve("bus/pci/devices").resolve(address.value());
        if (!Files.exists(device)) {
            throw new InvalidVmConfigException(name, field, "no PCI device " + address + " on this host");
        }
        Path groupLink = device.resolve("iommu_group");
        if (!Files.exists(groupLink)) {
            throw new InvalidVmConfigException(name, field, address + " has no IOMMU group: the IOMMU is off "
                    + "(boot with intel_iommu=on or amd_iommu=on) or the platform has none, so VFIO cannot assign it");
        }
        String group;
        try {
            group = groupLink.toRealPath().getFileName().toString();
        } catch (IOException e) {
            throw new InvalidVmConfigException(name, field, "cannot read the IOMMU group of " + address + ": " + e.getMessage());
        }
        try (DirectoryStream<Path> members = Files.newDirectoryStream(host.sys().resolve("kernel/iommu_groups").resolve(group).resolve("devices"))) {
            for (Path member : members) {
                Path driver = member.resolve("driver");
                if (Files.exists(driver, LinkOption.NOFOLLOW_LINKS)) {
                    String bound = driver.toRealPath().getFileName().toString();
                    if (!bound.equals("vfio-pci")) {
                        throw new InvalidVmConfigException(name, field, "device " + member.getFileName() + " in IOMMU group "
                                + group + " is bound to " + bound + ", not vfio-pci: bind every device of the group to vfio-pci");
                    }
                }
            }
        } catch (IOException e) {
            throw new InvalidVmConfigException(name, field, "cannot list IOMMU group " + group + ": " + e.getMessage());
        }
        if (!Files.exists(host.dev().resolve("vfio").resolve(group))) {
            throw new InvalidVmConfigException(name, field, host.dev().resolve("vfio").resolve(group)
                    + " does not exist: load the vfio-pci module");
        }
    }
}
