package dev.celadon.reconciler.plan;

import dev.celadon.hypervisor.BootConfig;
import dev.celadon.hypervisor.DiskConfig;
import dev.celadon.hypervisor.ImageCache;
import dev.celadon.hypervisor.NetworkConfig;
import dev.celadon.hypervisor.VmConfig;
import dev.celadon.reconciler.spec.Cores;
import dev.celadon.reconciler.spec.Quantities;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The fields that differ between the machine that runs and the one Git describes, in the words an
 * operator wrote them in. The shutdown grace period is not a property of the machine and never
 * differs here.
 */
final class ConfigDiff {

    private ConfigDiff() {
    }

    /** Every difference that only a restart can apply; memory is reported separately. */
    static List<Change> restartChanges(VmConfig running, VmConfig desired) {
        List<Change> changes = new ArrayList<>();
        compare(changes, "profile", running, desired, c -> c.profile().name().toLowerCase(Locale.ROOT));
        compare(changes, "cpus", running, desired, c -> String.valueOf(c.cpus()));
        compare(changes, "cpuLimit", running, desired, c -> c.cpuLimitMillicores() == 0 ? "none" : Cores.format(c.cpuLimitMillicores()));
        compare(changes, "maxMemory", running, desired, c -> Quantities.format(c.maxMemoryBytes()));
        compare(changes, "boot", running, desired, c -> describe(c.boot()));
        if (!sizesAside(running.disks()).equals(sizesAside(desired.disks()))) {
            changes.add(new Change("disks", describeDisks(running.disks()), describeDisks(desired.disks())));
        }
        compare(changes, "networks", running, desired, c -> describeNetworks(c.networks()));
        compare(changes, "devices", running, desired, c -> c.devices().toString());
        compare(changes, "tpm", running, desired, c -> String.valueOf(c.tpm()));
        compare(changes, "integration", running, desired, c -> describeIntegration(c));
        if (!running.cloudInit().equals(desired.cloudInit())) {
            // The files are too long to show; what matters is whether the guest's cloud-init runs again.
            changes.add(Change.described("cloudInit", running.cloudInit().isEmpty() ? "added (new instance-id)"
                    : desired.cloudInit().isEmpty() ? "removed (the seed drive is detached)" : "changed (new instance-id)"));
        }
        return changes;
    }

    /** The memory change, if any. */
    static Change memoryChange(VmConfig running, VmConfig desired) {
        if (running.memoryBytes() == desired.memoryBytes()) {
            return null;
        }
        return new Change("memory", Quantities.format(running.memoryBytes()), Quantities.format(desired.memoryBytes()));
    }

    /**
     * A disk whose size differs between what runs and what Git says, the disk being otherwise the same.
     * Size 0 is an overlay's base image size, which only the hypervisor knows.
     */
    record Resize(String disk, long from, long to) {

        /** Smaller than what runs, or back to the base image's size from an explicit one. */
        boolean shrinks() {
            return from > 0 && to < from;
        }

        Change change() {
            return new Change("disks." + disk + ".size", size(from), size(to));
        }

        private static String size(long bytes) {
            return bytes == 0 ? "the base image's size" : Quantities.format(bytes);
        }
    }

    /** The disks without their sizes: sizes change live (diskResizes), anything else needs a restart. */
    private static List<DiskConfig> sizesAside(List<DiskConfig> disks) {
        return disks.stream().map(d -> d.withSize(0)).toList();
    }

    static List<Resize> diskResizes(VmConfig running, VmConfig desired) {
        List<Resize> resizes = new ArrayList<>();
        for (DiskConfig wanted : desired.disks()) {
            running.disks().stream()
                    .filter(d -> d.withSize(0).equals(wanted.withSize(0)) && d.sizeBytes() != wanted.sizeBytes())
                    .findFirst()
                    .ifPresent(d -> resizes.add(new Resize(wanted.name(), d.sizeBytes(), wanted.sizeBytes())));
        }
        return resizes;
    }

    private static void compare(List<Change> changes, String field, VmConfig running, VmConfig desired,
                                Function<VmConfig, String> view) {
        String from = view.apply(running);
        String to = view.apply(desired);
        if (!Objects.equals(from, to)) {
            changes.add(new Change(field, from, to));
        }
    }

    private static String describe(BootConfig boot) {
        return switch (boot) {
            case BootConfig.Kernel k -> "kernel " + k.kernel() + k.initrd().map(i -> " initrd " + i).orElse("")
                    + (k.cmdline().isEmpty() ? "" : " cmdline \"" + k.cmdline() + "\"");
            case BootConfig.FromDisk d -> "firmware " + d.firmware().name().toLowerCase(Locale.ROOT) + (d.secureBoot() ? " secureBoot" : "");
        };
    }

    private static String describeDisks(List<DiskConfig> disks) {
        return disks.stream().map(d -> d.name() + "=" + switch (d.source()) {
            case DiskConfig.Overlay o -> o.baseImage() + (o.sizeBytes() == 0 ? "" : "@" + Quantities.format(o.sizeBytes()));
            case DiskConfig.Downloaded dl -> ImageCache.shown(dl.url()) + " sha256 " + dl.sha256().substring(0, 12)
                    + (dl.sizeBytes() == 0 ? "" : "@" + Quantities.format(dl.sizeBytes()));
            case DiskConfig.Blank b -> "blank@" + Quantities.format(b.sizeBytes());
            case DiskConfig.Passthrough p -> p.devicePath();
        }).collect(Collectors.joining(",", "[", "]"));
    }

    private static String describeNetworks(List<NetworkConfig> networks) {
        return networks.stream().map(n -> n.name() + "=" + switch (n.attachment()) {
            case NetworkConfig.Bridge b -> "bridge " + b.bridge() + (b.vlan().isPresent() ? " vlan " + b.vlan().getAsInt() : "");
            case NetworkConfig.User u -> "user" + u.forwards().stream()
                    .map(f -> f.hostPort() + ":" + f.guestPort()).collect(Collectors.joining(",", "[", "]"));
        } + n.model().map(m -> " " + m.specName()).orElse("")).collect(Collectors.joining(",", "[", "]"));
    }

    private static String describeIntegration(VmConfig c) {
        var i = c.integration();
        return "heartbeat=" + i.heartbeat() + ",shutdown=" + i.shutdown() + ",timeSync=" + i.timeSync();
    }
}
