package dev.celadon.hypervisor;

import java.util.regex.Pattern;

/**
 * A partition's name: a DNS-1123 label. It names the worker, its runtime record and its disks,
 * and seeds the derived MAC addresses and SMBIOS UUID, so it must be safe in file names.
 */
public record PartitionName(String value) implements Comparable<PartitionName> {

    private static final Pattern DNS_1123_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

    public PartitionName {
        if (value == null || !isValid(value)) {
            throw new IllegalArgumentException("not a DNS-1123 label (lower-case letters, digits and '-', at most 63): " + value);
        }
    }

    public static boolean isValid(String value) {
        return DNS_1123_LABEL.matcher(value).matches();
    }

    @Override
    public int compareTo(PartitionName other) {
        return value.compareTo(other.value);
    }

    @Override
    public String toString() {
        return value;
    }
}
