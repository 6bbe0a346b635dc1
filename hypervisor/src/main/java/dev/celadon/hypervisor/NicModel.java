package dev.celadon.hypervisor;

import java.util.Arrays;
import java.util.Optional;

/** The emulated network card a guest sees. */
public enum NicModel {
    /** Paravirtual: the fastest, needs a virtio driver (every current Linux, Windows with virtio-win). */
    VIRTIO("virtio", "virtio-net-pci"),
    /** Intel 82540EM: a driver in nearly every OS. */
    E1000("e1000", "e1000"),
    /** Realtek 8139: for the oldest guests. */
    RTL8139("rtl8139", "rtl8139");

    private final String specName;
    private final String qemuDevice;

    NicModel(String specName, String qemuDevice) {
        this.specName = specName;
        this.qemuDevice = qemuDevice;
    }

    /** As the spec writes it ({@code model: e1000}). */
    public String specName() {
        return specName;
    }

    /** QEMU's {@code -device} driver. */
    public String qemuDevice() {
        return qemuDevice;
    }

    public static Optional<NicModel> fromSpec(String name) {
        return Arrays.stream(values()).filter(m -> m.specName.equals(name)).findFirst();
    }
}
