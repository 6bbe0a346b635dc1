package dev.celadon.hypervisor.qemu;

import dev.celadon.hypervisor.BootConfig;
import dev.celadon.hypervisor.DiskConfig;
import dev.celadon.hypervisor.Firmware;
import dev.celadon.hypervisor.GuestProfile;
import dev.celadon.hypervisor.HostFileMissingException;
import dev.celadon.hypervisor.ImageCache;
import dev.celadon.hypervisor.InvalidVmConfigException;
import dev.celadon.hypervisor.NetworkConfig;
import dev.celadon.hypervisor.PartitionName;
import dev.celadon.hypervisor.PciAddress;
import dev.celadon.hypervisor.VmConfig;
import dev.celadon.hypervisor.VmConfigRules;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Checks a {@link VmConfig} against this host and resolves its paths, so that a worker only ever
 * opens files inside the images dirs and the state dir, and devices that are allowed and can work.
 * Every refusal is an {@link InvalidVmConfigException} naming the spec field.
 */
final class ConfigResolver {


    private final QemuSettings settings;
    private final HostPaths host;

    ConfigResolver(QemuSettings settings, HostPaths host) {
        this.settings = settings;
        this.host = host;
    }

    ResolvedVm resolve(VmConfig config, WorkerPaths paths) throws InvalidVmConfigException, HostFileMissingException {
        // The form first, as the spec reader checks it: what is left here is what only the host can tell.
        VmConfigRules.check(config);
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
                if (fromDisk.firmware() == Firmware.UEFI) {
                    uefi = Optional.of(uefi(name, fromDisk.secureBoot(), paths));
                }
            }
        }
        if (config.tpm() && Swtpm.binary().isEmpty()) {
            throw new InvalidVmConfigException(name, "tpm", Swtpm.BINARY + " is not installed (Debian package swtpm)");
        }
        List<ResolvedVm.Disk> disks = disks(config, paths);
        for (int i = 0; i < config.devices().size(); i++) {
            pciDevice(name, "devices[" + i + "].pci", config.devices().get(i));
        }
        return new ResolvedVm(config, kernel, uefi, disks);
    }

    /**
     * The firmware and the partition's variable store. A Secure Boot store starts from the template with
     * Microsoft's keys and has a name of its own: a store made without keys, kept from a start without
     * Secure Boot, would leave the firmware in setup mode, where it checks nothing.
     */
    private ResolvedVm.Uefi uefi(PartitionName name, boolean secureBoot, WorkerPaths paths) throws InvalidVmConfigException {
        Path code = secureBoot ? QemuSettings.SECURE_BOOT_CODE : settings.ovmfCode();
        Path template = secureBoot ? QemuSettings.SECURE_BOOT_VARS : settings.ovmfVars();
        for (Path file : List.of(code, template)) {
            if (!Files.isRegularFile(file)) {
                throw new InvalidVmConfigException(name, secureBoot ? "boot.secureBoot" : "boot.firmware",
                        "UEFI firmware " + file + " is not installed (Debian package ovmf)");
            }
        }
        return new ResolvedVm.Uefi(code, template, secureBoot ? paths.secureBootVars() : paths.uefiVars(), secureBoot);
    }

    private List<ResolvedVm.Disk> disks(VmConfig config, WorkerPaths paths) throws InvalidVmConfigException, HostFileMissingException {
        PartitionName name = config.name();
        List<ResolvedVm.Disk> disks = new ArrayList<>();
        for (int i = 0; i < config.disks().size(); i++) {
            DiskConfig disk = config.disks().get(i);
            String field = "disks[" + i + "]";
            switch (disk.source()) {
                case DiskConfig.Overlay overlay -> {
                    Path base = image(name, field + ".image", overlay.baseImage());
                    baseChain(name, field + ".image", base);
                    keptDisk(name, field + ".image", paths.disk(disk.name()));
                    disks.add(new ResolvedVm.Disk(disk.name(), ResolvedVm.Disk.Kind.IMAGE, paths.disk(disk.name()),
                            Optional.of(base), disk.sizeBytes()));
                }
                case DiskConfig.Downloaded downloaded -> {
                    Path base = downloaded(name, field + ".image", downloaded);
                    keptDisk(name, field + ".image", paths.disk(disk.name()));
                    disks.add(new ResolvedVm.Disk(disk.name(), ResolvedVm.Disk.Kind.IMAGE, paths.disk(disk.name()),
                            Optional.of(base), disk.sizeBytes()));
                }
                case DiskConfig.Blank blank -> {
                    keptDisk(name, field, paths.disk(disk.name()));
                    disks.add(new ResolvedVm.Disk(disk.name(), ResolvedVm.Disk.Kind.IMAGE, paths.disk(disk.name()),
                            Optional.empty(), disk.sizeBytes()));
                }
                case DiskConfig.Passthrough passthrough -> disks.add(new ResolvedVm.Disk(disk.name(),
                        ResolvedVm.Disk.Kind.PASSTHROUGH, blockDevice(name, field + ".passthrough", passthrough.devicePath()),
                        Optional.empty(), 0));
            }
        }
        return disks;
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
            BackingChain.of(disk, baseDirs(), BackingChain.MAX_IMAGES);
        } catch (BackingChain.Problem e) {
            throw new InvalidVmConfigException(name, field, "the disk kept from an earlier start: " + e.getMessage());
        }
    }

    /**
     * The cached image a URL was downloaded to, once it is there. It came from anywhere: it may name no
     * backing or data file at all (the downloader refuses such a file too; this holds whatever is in the folder).
     */
    private Path downloaded(PartitionName name, String field, DiskConfig.Downloaded downloaded)
            throws InvalidVmConfigException, HostFileMissingException {
        Path file = ImageCache.file(settings.stateDir(), downloaded.sha256());
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new HostFileMissingException(name, field, "the image " + ImageCache.shown(downloaded.url()) + " (sha256 "
                    + downloaded.sha256().substring(0, 12) + "…) is not downloaded yet", List.of(file));
        }
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new InvalidVmConfigException(name, field, "the cached image " + file + " is not a regular file");
        }
        try {
            BackingChain.of(file, List.of(), 1);
        } catch (BackingChain.Problem e) {
            throw new InvalidVmConfigException(name, field, "the downloaded image names another file, which is never "
                    + "opened: " + e.getMessage());
        }
        return file;
    }

    /** Where a kept overlay's base may lie: the images dirs and the download cache. */
    private List<Path> baseDirs() {
        List<Path> dirs = new ArrayList<>(realImagesDirs());
        try {
            dirs.add(ImageCache.dir(settings.stateDir()).toRealPath());
        } catch (IOException e) {
            // No cache yet: nothing was downloaded.
        }
        return dirs;
    }

    /** The images dirs by their real paths; one that does not exist holds nothing. */
    private List<Path> realImagesDirs() {
        return realPaths(settings.imagesDirs());
    }

    /** {@code dirs} by their real paths, without those that do not exist. */
    static List<Path> realPaths(List<Path> dirs) {
        List<Path> realDirs = new ArrayList<>();
        for (Path dir : dirs) {
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
    Path image(PartitionName name, String field, String relative) throws InvalidVmConfigException, HostFileMissingException {
        Path path = Path.of(relative);
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
        throw new HostFileMissingException(name, field, relative + " not found in the images dirs " + settings.imagesDirs(),
                settings.imagesDirs().stream().map(dir -> dir.resolve(path)).toList());
    }

    /** A passed-through block device: absolute, listed (or under a listed directory), and a device node. */
    private Path blockDevice(PartitionName name, String field, String devicePath) throws InvalidVmConfigException {
        Path path = Path.of(devicePath);
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
        String group;
        try {
            group = host.iommuGroup(address).orElseThrow(() -> new InvalidVmConfigException(name, field, address
                    + " has no IOMMU group: the IOMMU is off (boot with intel_iommu=on or amd_iommu=on) or the platform"
                    + " has none, so VFIO cannot assign it"));
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
        if (!Files.exists(host.vfioGroup(group))) {
            throw new InvalidVmConfigException(name, field, host.vfioGroup(group) + " does not exist: load the vfio-pci module");
        }
    }
}
