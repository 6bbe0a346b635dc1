package dev.celadon.hypervisor;

import java.util.regex.Pattern;

/** A host PCI device address in domain:bus:slot.function form, for VFIO assignment. */
public record PciAddress(String value) {

    private static final Pattern FORMAT = Pattern.compile("[0-9a-f]{4}:[0-9a-f]{2}:[0-1][0-9a-f]\\.[0-7]");

    public PciAddress {
        if (value == null || !isValid(value)) {
            throw new IllegalArgumentException("not a PCI address like 0000:03:00.0: " + value);
        }
    }

    public static boolean isValid(String value) {
        return FORMAT.matcher(value).matches();
    }

    @Override
    public String toString() {
        return value;
    }
}
