package dev.celadon.hypervisor.qemu;

import dev.celadon.hypervisor.CloudInit;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The cloud-init NoCloud seed as a disk image: a FAT12 file system labelled {@code CIDATA} holding
 * {@code user-data}, {@code meta-data} and, when given, {@code network-config} under their long (VFAT)
 * names, which is what cloud-init's {@code ds-identify} and {@code DataSourceNoCloud} look for (a vfat or
 * iso9660 file system labelled {@code cidata} or {@code CIDATA}). Written here rather than by
 * {@code mkfs.vfat} and {@code mcopy}: the appliance ships neither, and these are byte-for-byte the same
 * for the same seed (fixed timestamps, a volume serial taken from the content), so a restart with an
 * unchanged spec writes an identical drive.
 *
 * <p>Sectors are 2048 bytes, so the same image reads on a virtio disk (512-byte blocks) and on the
 * legacy profile's IDE CD-ROM (2048-byte blocks: Linux refuses a FAT whose sectors are smaller than the
 * device's). A cluster is one sector; the image is always {@link #SECTORS} sectors (1 MiB), which holds
 * the largest seed {@link CloudInit#MAX_BYTES} allows (four times what a spec may write, DESIGN.md §3
 * "Input limits") with room to spare.
 */
final class SeedImage {

    static final String LABEL = "CIDATA";
    static final int SECTOR = 2048;
    static final int SECTORS = 512;

    private static final int RESERVED = 1;
    private static final int FATS = 2;
    private static final int FAT_SECTORS = 1;
    private static final int ROOT_ENTRIES = SECTOR / 32;
    private static final int ROOT_SECTORS = 1;
    private static final int FIRST_DATA_SECTOR = RESERVED + FATS * FAT_SECTORS + ROOT_SECTORS;
    private static final int CLUSTERS = SECTORS - FIRST_DATA_SECTOR;
    /** The largest content the image holds, all files together, each rounded up to whole clusters. */
    static final int CAPACITY = CLUSTERS * SECTOR;

    private static final byte ATTR_ARCHIVE = 0x20;
    private static final byte ATTR_VOLUME_ID = 0x08;
    private static final byte ATTR_LONG_NAME = 0x0f;
    private static final byte MEDIA_FIXED = (byte) 0xf8;
    /** 2000-01-01 00:00: a fixed date (FAT's epoch, 1980, reads as "no date" in some tools). */
    private static final short FIXED_DATE = (short) ((2000 - 1980) << 9 | 1 << 5 | 1);
    private static final int LFN_CHARS = 13;

    private SeedImage() {
    }

    /** One file of the seed: its long name, the short alias FAT needs besides it, and its bytes. */
    private record File(String name, String shortName, byte[] content) {
    }

    static byte[] build(CloudInit seed) {
        List<File> files = new ArrayList<>();
        files.add(new File("user-data", "USER-D~1   ", utf8(seed.userData())));
        files.add(new File("meta-data", "META-D~1   ", utf8(seed.metaData())));
        seed.networkConfig().ifPresent(n -> files.add(new File("network-config", "NETWOR~1   ", utf8(n))));
        long needed = files.stream().mapToLong(f -> clusters(f.content.length) * (long) SECTOR).sum();
        if (needed > CAPACITY) {
            // VmConfigRules refuses a seed over CloudInit.MAX_BYTES before any launch: this cannot happen.
            throw new IllegalArgumentException("the cloud-init files take " + needed + " bytes; the seed holds " + CAPACITY);
        }
        ByteBuffer image = ByteBuffer.allocate(SECTORS * SECTOR).order(ByteOrder.LITTLE_ENDIAN);
        bootSector(image, serial(files));
        int[] fat = new int[CLUSTERS + 2];
        fat[0] = 0xf00 | (MEDIA_FIXED & 0xff);
        fat[1] = 0xfff;
        int root = (RESERVED + FATS * FAT_SECTORS) * SECTOR;
        int entry = root;
        entry = shortEntry(image, entry, LABEL, ATTR_VOLUME_ID, 0, 0);
        int nextCluster = 2;
        for (File file : files) {
            int first = file.content.length == 0 ? 0 : nextCluster;
            int count = clusters(file.content.length);
            for (int i = 0; i < count; i++) {
                fat[nextCluster + i] = i == count - 1 ? 0xfff : nextCluster + i + 1;
            }
            image.put(dataOffset(first), file.content);
            nextCluster += count;
            entry = longNameEntries(image, entry, file);
            entry = shortEntry(image, entry, file.shortName, ATTR_ARCHIVE, first, file.content.length);
        }
        for (int copy = 0; copy < FATS; copy++) {
            writeFat12(image, (RESERVED + copy * FAT_SECTORS) * SECTOR, fat);
        }
        return image.array();
    }

    private static void bootSector(ByteBuffer b, int serial) {
        // A jump over the BPB and a "halt" loop: the seed is never booted, but tools check the jump.
        b.put(0, new byte[] {(byte) 0xeb, 0x3c, (byte) 0x90});
        b.put(3, ascii("CELADON ", 8));
        b.putShort(11, (short) SECTOR);
        b.put(13, (byte) 1);                       // sectors per cluster
        b.putShort(14, (short) RESERVED);
        b.put(16, (byte) FATS);
        b.putShort(17, (short) ROOT_ENTRIES);
        b.putShort(19, (short) SECTORS);
        b.put(21, MEDIA_FIXED);
        b.putShort(22, (short) FAT_SECTORS);
        b.putShort(24, (short) 32);                // sectors per track, heads: unused geometry, the usual values
        b.putShort(26, (short) 64);
        b.putInt(28, 0);                           // hidden sectors: the image is not partitioned
        b.putInt(32, 0);                           // large sector count: unused, the count fits 16 bits
        b.put(36, (byte) 0x80);                    // drive number
        b.put(38, (byte) 0x29);                    // extended boot signature: serial, label and type follow
        b.putInt(39, serial);
        b.put(43, ascii(LABEL, 11));
        b.put(54, ascii("FAT12", 8));
        b.put(62, new byte[] {(byte) 0xf4, (byte) 0xeb, (byte) 0xfd}); // hlt; jmp back
        b.put(510, (byte) 0x55);
        b.put(511, (byte) 0xaa);
    }

    /** A FAT12 table: two 12-bit entries in three bytes. */
    private static void writeFat12(ByteBuffer b, int offset, int[] fat) {
        for (int i = 0; i < fat.length; i += 2) {
            int low = fat[i];
            int high = i + 1 < fat.length ? fat[i + 1] : 0;
            int at = offset + i / 2 * 3;
            b.put(at, (byte) low);
            b.put(at + 1, (byte) ((low >> 8) & 0x0f | (high & 0x0f) << 4));
            b.put(at + 2, (byte) (high >> 4));
        }
    }

    private static int shortEntry(ByteBuffer b, int at, String name, byte attributes, int cluster, int size) {
        b.put(at, ascii(name, 11));
        b.put(at + 11, attributes);
        b.putShort(at + 16, FIXED_DATE);           // created
        b.putShort(at + 18, FIXED_DATE);           // accessed
        b.putShort(at + 24, FIXED_DATE);           // written
        b.putShort(at + 26, (short) cluster);
        b.putInt(at + 28, size);
        return at + 32;
    }

    /** VFAT long-name entries, the last part first, each carrying the checksum of the short name. */
    private static int longNameEntries(ByteBuffer b, int at, File file) {
        int parts = (file.name.length() + LFN_CHARS - 1) / LFN_CHARS;
        byte checksum = checksum(ascii(file.shortName, 11));
        for (int part = parts; part >= 1; part--) {
            b.put(at, (byte) (part | (part == parts ? 0x40 : 0)));
            b.put(at + 11, ATTR_LONG_NAME);
            b.put(at + 13, checksum);
            int[] charOffsets = {1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30};
            for (int i = 0; i < LFN_CHARS; i++) {
                int index = (part - 1) * LFN_CHARS + i;
                // The name ends with one NUL; the rest of its last entry is padded with 0xFFFF.
                int c = index < file.name.length() ? file.name.charAt(index) : index == file.name.length() ? 0 : 0xffff;
                b.putShort(at + charOffsets[i], (short) c);
            }
            at += 32;
        }
        return at;
    }

    private static byte checksum(byte[] shortName) {
        int sum = 0;
        for (byte c : shortName) {
            sum = ((sum & 1) << 7) + ((sum & 0xff) >> 1) + (c & 0xff);
        }
        return (byte) sum;
    }

    /** The volume serial, from the content: the same seed has the same serial, another seed most likely not. */
    private static int serial(List<File> files) {
        byte[] sha = Identity.digest("SHA-256", concat(files));
        return ByteBuffer.wrap(sha).order(ByteOrder.LITTLE_ENDIAN).getInt();
    }

    private static byte[] concat(List<File> files) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (File file : files) {
            out.writeBytes(utf8(file.name));
            out.write(0);
            out.writeBytes(ByteBuffer.allocate(4).putInt(file.content.length).array());
            out.writeBytes(file.content);
        }
        return out.toByteArray();
    }

    private static int clusters(int bytes) {
        return (bytes + SECTOR - 1) / SECTOR;
    }

    private static int dataOffset(int cluster) {
        return (FIRST_DATA_SECTOR + Math.max(cluster, 2) - 2) * SECTOR;
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** A fixed-width field of ASCII, padded with spaces. */
    private static byte[] ascii(String text, int width) {
        byte[] field = new byte[width];
        Arrays.fill(field, (byte) ' ');
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(bytes, 0, field, 0, bytes.length);
        return field;
    }
}
