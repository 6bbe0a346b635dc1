package dev.celadon.hypervisor.qemu;

import dev.celadon.hypervisor.PartitionName;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.UUID;

/**
 * Identity derived from the partition name, so that a partition deleted and recreated from the same
 * spec keeps its MAC addresses (DHCP leases, firewall rules) and SMBIOS UUID (guest licensing,
 * cloud-init instance id). Nothing is stored: the name is the seed.
 */
final class Identity {

    /** The namespace of Celadon's name-based UUIDs (itself a v5 UUID of "celadon.dev" in the DNS namespace). */
    static final UUID NAMESPACE = uuid5(UUID.fromString("6ba7b810-9dad-11d1-80b4-00c04fd430c8"), "celadon.dev");

    private Identity() {
    }

    /** A locally administered unicast MAC from partition and interface name, e.g. {@code 52:9f:...}. */
    static String mac(PartitionName partition, String network) {
        byte[] hash = digest("SHA-256", (partition.value() + "/" + network).getBytes(StandardCharsets.UTF_8));
        // Bit 1 of the first octet set: locally administered; bit 0 clear: unicast.
        hash[0] = (byte) ((hash[0] & 0xFC) | 0x02);
        return HexFormat.ofDelimiter(":").formatHex(hash, 0, 6);
    }

    /** The SMBIOS system UUID: a name-based (version 5) UUID of the partition name. */
    static UUID smbiosUuid(PartitionName partition) {
        return uuid5(NAMESPACE, partition.value());
    }

    static UUID uuid5(UUID namespace, String name) {
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        ByteBuffer input = ByteBuffer.allocate(16 + nameBytes.length)
                .putLong(namespace.getMostSignificantBits())
                .putLong(namespace.getLeastSignificantBits())
                .put(nameBytes);
        byte[] hash = digest("SHA-1", input.array());
        hash[6] = (byte) ((hash[6] & 0x0F) | 0x50); // version 5
        hash[8] = (byte) ((hash[8] & 0x3F) | 0x80); // IETF variant
        ByteBuffer bits = ByteBuffer.wrap(hash, 0, 16);
        return new UUID(bits.getLong(), bits.getLong());
    }

    static byte[] digest(String algorithm, byte[] input) {
        try {
            return MessageDigest.getInstance(algorithm).digest(input);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm + " is required of every JDK", e);
        }
    }
}
