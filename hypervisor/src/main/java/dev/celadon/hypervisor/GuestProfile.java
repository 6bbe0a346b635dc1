package dev.celadon.hypervisor;

/** How hypervisor-aware the guest is; chooses the machine type and the device models. */
public enum GuestProfile {
    /** Hypervisor-aware: q35 with virtio devices, the integration channel and the balloon. */
    ENLIGHTENED,
    /** Emulated hardware only: i440fx, IDE/AHCI, e1000; no paravirtual devices, no agent channel. */
    LEGACY,
    /** Enlightened plus QEMU's Hyper-V enlightenments for Windows guests (on KVM). */
    WINDOWS
}
