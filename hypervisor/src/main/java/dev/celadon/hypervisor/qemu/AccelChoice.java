package dev.celadon.hypervisor.qemu;

import java.util.Locale;

/** The configured accelerator ({@code celadon.hypervisor.accel}): detect, or force one. */
public enum AccelChoice {
    /** KVM where it is usable (/dev/kvm opens and the CPU shows vmx or svm), else TCG. */
    AUTO,
    /** KVM, without asking: for hosts where the detection is wrong. */
    KVM,
    /** TCG always. */
    TCG;

    /** Parses {@code auto|kvm|tcg}, case-insensitively. */
    public static AccelChoice parse(String value) {
        try {
            return valueOf(value.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("accel must be auto, kvm or tcg: " + value, e);
        }
    }
}
