package dev.celadon.reconciler.spec;

import dev.celadon.hypervisor.BootConfig;
import dev.celadon.hypervisor.DiskConfig;
import dev.celadon.hypervisor.NetworkConfig;
import dev.celadon.hypervisor.VmConfig;

import java.util.Map;

/**
 * What a kept partition (or Appliance document) takes of the reconciler's heap, estimated from above: its records, each entry of
 * its lists and maps (a label, an appliance name, a disk, a network, a port forward, a device: the entry's
 * records and the objects of its strings), and the characters of its strings (a cloud-init seed's files
 * among them). The spec decides how many
 * entries and characters there are; nothing else of a partition grows with it.
 *
 * <p>Measured on JDK 25 (compressed references, compact strings): a partition with no entries 250 to 310
 * bytes; an entry 40 (a port forward) to 160 (a disk with an image, short names included); a character
 * one byte, or two in a string with any character beyond Latin-1. 10,000 ordinary partitions keep 8 MB and
 * are estimated at 13.7; {@code ShippedHeapTest} holds the largest revisions of labels and of long command
 * lines, each estimated at the limit, under the shipped heap.
 */
final class Footprint {

    static final long PARTITION_BYTES = 400;
    static final long ENTRY_BYTES = 160;
    static final long CHARACTER_BYTES = 2;

    private long entries;
    private long characters;

    private Footprint() {
    }

    static long of(Partition partition) {
        Footprint footprint = new Footprint();
        footprint.add(partition);
        return footprint.bytes();
    }

    /** An Appliance document, estimated as a partition: it has fewer records, and its entries are of the same kinds. */
    static long of(ApplianceSpec appliance) {
        Footprint footprint = new Footprint();
        footprint.add(appliance);
        return footprint.bytes();
    }

    private long bytes() {
        return PARTITION_BYTES + entries * ENTRY_BYTES + characters * CHARACTER_BYTES;
    }

    private void add(ApplianceSpec appliance) {
        text(appliance.name());
        map(appliance.labels());
        appliance.placement().ifPresent(this::add);
        text(appliance.version());
        text(appliance.imageUrl());
        text(appliance.sha256());
        appliance.maintenanceWindow().ifPresent(window -> entries += window.days().size());
    }

    private void add(Partition partition) {
        text(partition.name().value());
        map(partition.labels());
        add(partition.placement());
        VmConfig vm = partition.vm();
        if (vm.boot() instanceof BootConfig.Kernel kernel) {
            text(kernel.kernel());
            kernel.initrd().ifPresent(this::text);
            text(kernel.cmdline());
        }
        for (DiskConfig disk : vm.disks()) {
            entry(disk.name());
            switch (disk.source()) {
                case DiskConfig.Overlay overlay -> text(overlay.baseImage());
                case DiskConfig.Downloaded downloaded -> {
                    text(downloaded.url());
                    text(downloaded.sha256());
                }
                case DiskConfig.Passthrough passthrough -> text(passthrough.devicePath());
                case DiskConfig.Blank ignored -> {
                }
            }
        }
        for (NetworkConfig network : vm.networks()) {
            entry(network.name());
            switch (network.attachment()) {
                case NetworkConfig.Bridge bridge -> text(bridge.bridge());
                case NetworkConfig.User user -> entries += user.forwards().size();
            }
        }
        vm.devices().forEach(device -> entry(device.value()));
        vm.cloudInit().ifPresent(seed -> {
            text(seed.userData());
            text(seed.metaData());
            seed.networkConfig().ifPresent(this::text);
        });
    }

    private void add(Placement placement) {
        map(placement.selector());
        placement.appliances().forEach(this::entry);
    }

    private void map(Map<String, String> map) {
        map.forEach((key, value) -> {
            entry(key);
            text(value);
        });
    }

    private void entry(String text) {
        entries++;
        text(text);
    }

    private void text(String text) {
        characters += text.length();
    }
}
