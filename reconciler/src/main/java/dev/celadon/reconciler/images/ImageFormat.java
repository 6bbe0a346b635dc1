package dev.celadon.reconciler.images;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The formats a downloaded image may have, told from its first bytes: qcow2 (its magic) naming no other
 * file, or a raw disk (an MBR boot signature or a GPT header). Anything else is refused: an HTML error page,
 * a VMDK (whose descriptor names extents anywhere on the host), an ISO. A raw disk could hold anything, and
 * QEMU would be told its format; requiring a partition table keeps a mistyped URL from booting a web page.
 * The appliance's own boot image is asked for as such ({@link ImageRequest.Content#EFI}): a PE executable.
 */
enum ImageFormat {
    QCOW2, RAW, EFI;

    /** How many leading bytes {@link #detect} looks at. */
    static final int HEAD_BYTES = 520;

    private static final byte[] QCOW2_MAGIC = {'Q', 'F', 'I', (byte) 0xfb};
    private static final byte[] GPT_SIGNATURE = "EFI PART".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PE_SIGNATURE = {'P', 'E', 0, 0};
    /** The qcow2 v3 incompatible feature bit of an external data file. */
    private static final long EXTERNAL_DATA_FILE = 1L << 2;

    /** The format of an image whose first bytes are {@code head} (fewer only when the file is shorter), as wanted. */
    static ImageFormat detect(byte[] head, ImageRequest.Content content) throws ImageFailure {
        return content == ImageRequest.Content.EFI ? efi(head) : detect(head);
    }

    /**
     * A PE executable: the DOS header's {@code MZ}, and {@code PE\0\0} where it points when that is among the
     * first bytes (it is in every UKI: systemd's stub puts it at 0x80). Its sections are checked later (UkiImage).
     */
    private static ImageFormat efi(byte[] head) throws ImageFailure {
        ByteBuffer header = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN);
        boolean dos = head.length >= 64 && head[0] == 'M' && head[1] == 'Z';
        long peOffset = dos ? Integer.toUnsignedLong(header.getInt(0x3c)) : -1;
        boolean pe = dos && peOffset + 4 <= head.length
                && Arrays.equals(head, (int) peOffset, (int) peOffset + 4, PE_SIGNATURE, 0, 4);
        if (!pe) {
            throw new ImageFailure(ImageFailure.Reason.UnsupportedFormat, "the image is not an EFI executable (a unified "
                    + "kernel image starts with MZ and a PE header); it starts with " + describe(head));
        }
        return EFI;
    }

    /** The format of a disk image whose first bytes are {@code head}. */
    static ImageFormat detect(byte[] head) throws ImageFailure {
        if (head.length >= 4 && Arrays.equals(head, 0, 4, QCOW2_MAGIC, 0, 4)) {
            qcow2NamesNoFile(head);
            return QCOW2;
        }
        if (head.length >= 512 && (head[510] & 0xff) == 0x55 && (head[511] & 0xff) == 0xaa) {
            return RAW;
        }
        if (head.length >= 520 && Arrays.equals(head, 512, 520, GPT_SIGNATURE, 0, 8)) {
            return RAW;
        }
        throw new ImageFailure(ImageFailure.Reason.UnsupportedFormat, "the image is neither qcow2 nor a raw disk with "
                + "an MBR or GPT partition table; it starts with " + describe(head));
    }

    private static void qcow2NamesNoFile(byte[] head) throws ImageFailure {
        if (head.length < 104) {
            throw new ImageFailure(ImageFailure.Reason.UnsupportedFormat, "the qcow2 header is cut short");
        }
        ByteBuffer header = ByteBuffer.wrap(head);
        if (header.getLong(8) != 0) {
            throw new ImageFailure(ImageFailure.Reason.UnsupportedFormat, "the qcow2 image names a backing file: a "
                    + "downloaded image must stand alone (qemu-img convert -O qcow2 makes one that does)");
        }
        if (header.getInt(4) >= 3 && (header.getLong(72) & EXTERNAL_DATA_FILE) != 0) {
            throw new ImageFailure(ImageFailure.Reason.UnsupportedFormat, "the qcow2 image keeps its data in an "
                    + "external file: a downloaded image must stand alone");
        }
    }

    /** The first bytes as text when they are text (an HTML page says so), else in hex. */
    private static String describe(byte[] head) {
        byte[] first = Arrays.copyOf(head, Math.min(head.length, 16));
        boolean text = first.length > 0;
        for (byte b : first) {
            text &= b == '\n' || b == '\r' || b == '\t' || (b >= 0x20 && b < 0x7f);
        }
        if (text) {
            return "\"" + new String(first, StandardCharsets.US_ASCII).replaceAll("\\s+", " ") + "\"";
        }
        return java.util.HexFormat.ofDelimiter(" ").formatHex(first);
    }
}
