package dev.celadon.hypervisor;

/** The accelerator QEMU runs guests on. */
public enum Accel {
    /** Hardware virtualization through /dev/kvm. */
    KVM,
    /** QEMU's software emulation, used where KVM is not usable. */
    TCG;

    public String qemuName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
