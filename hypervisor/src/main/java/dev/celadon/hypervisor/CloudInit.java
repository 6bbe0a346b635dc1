package dev.celadon.hypervisor;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;

/**
 * A partition's cloud-init NoCloud seed: the three files the hypervisor writes into a read-only drive
 * labelled {@code CIDATA} (DESIGN.md §3 "cloud-init"). A value: equal seeds are equal drives, byte for byte.
 *
 * @param userData      the {@code user-data} file, as written in the spec (may be empty)
 * @param metaData      the {@code meta-data} file; {@link #of} derives it from the partition's name and the content
 * @param networkConfig the {@code network-config} file, when the spec has one; without it the guest's
 *                      cloud-init applies its own default (DHCP on the first interface)
 */
public record CloudInit(String userData, String metaData, Optional<String> networkConfig) {

    /** Hex digits of the content hash in the instance id: enough that two seeds of a partition never meet. */
    private static final int HASH_DIGITS = 12;

    /**
     * The most the three files may hold together, in UTF-8 bytes: what the seed drive takes with room to
     * spare, and four times what a spec may write (64 KiB of user-data, 16 KiB of network config).
     */
    public static final int MAX_BYTES = 256 << 10;

    public CloudInit {
        Objects.requireNonNull(userData, "userData");
        Objects.requireNonNull(metaData, "metaData");
        Objects.requireNonNull(networkConfig, "networkConfig");
    }

    /** The files' size together, in UTF-8 bytes. */
    public long bytes() {
        return utf8Length(userData) + utf8Length(metaData) + networkConfig.map(CloudInit::utf8Length).orElse(0L);
    }

    private static long utf8Length(String text) {
        return text.getBytes(StandardCharsets.UTF_8).length;
    }

    /**
     * The seed of a partition. {@code instance-id} is the name and a hash of the content, so a guest's
     * cloud-init runs its once-per-instance modules again exactly when the content changes;
     * {@code local-hostname} is the name. Both quoted: a name such as {@code true} or {@code 123} is a
     * DNS label, and would be a boolean or a number to YAML.
     */
    public static CloudInit of(PartitionName name, String userData, Optional<String> networkConfig) {
        String metaData = "instance-id: \"" + instanceId(name, userData, networkConfig) + "\"\n"
                + "local-hostname: \"" + name.value() + "\"\n";
        return new CloudInit(userData, metaData, networkConfig);
    }

    private static String instanceId(PartitionName name, String userData, Optional<String> networkConfig) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(userData.getBytes(StandardCharsets.UTF_8));
            // A separator that UTF-8 text never holds, and a marker for a missing file, so that moving
            // text from one file to the other, or dropping an empty network-config, changes the hash.
            sha.update((byte) 0xff);
            networkConfig.ifPresent(n -> sha.update(n.getBytes(StandardCharsets.UTF_8)));
            sha.update((byte) (networkConfig.isPresent() ? 1 : 0));
            return name.value() + "-" + HexFormat.of().formatHex(sha.digest()).substring(0, HASH_DIGITS);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
