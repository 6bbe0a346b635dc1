package dev.celadon.reconciler.images;

import io.airlift.compress.zstd.ZstdInputStream;
import org.tukaani.xz.XZInputStream;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.Arrays;
import java.util.Locale;
import java.util.zip.GZIPInputStream;

/**
 * How the bytes of an image URL are compressed, by the suffix of its path, as cloud images are published
 * ({@code .qcow2.xz}, {@code .raw.gz}, {@code .img.zst}). The served bytes must start with that format's
 * magic, so a web page in place of an archive is refused on its first bytes.
 */
enum Compression {
    NONE("", new byte[0]),
    GZIP(".gz", new byte[] {0x1f, (byte) 0x8b}),
    XZ(".xz", new byte[] {(byte) 0xfd, '7', 'z', 'X', 'Z', 0}),
    ZSTD(".zst", new byte[] {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd});

    /** xz's default presets need 8 MiB (-6) to 64 MiB (-9e) to decompress. */
    private static final int XZ_MEMORY_LIMIT_KIB = 128 * 1024;

    private final String suffix;
    private final byte[] magic;

    Compression(String suffix, byte[] magic) {
        this.suffix = suffix;
        this.magic = magic;
    }

    static Compression of(String url) {
        String path = URI.create(url).getPath().toLowerCase(Locale.ROOT);
        for (Compression compression : values()) {
            if (compression != NONE && path.endsWith(compression.suffix)) {
                return compression;
            }
        }
        return NONE;
    }

    /** Refuses served bytes that do not start as this format does. */
    void checkMagic(byte[] head) throws ImageFailure {
        if (head.length < magic.length || !Arrays.equals(head, 0, magic.length, magic, 0, magic.length)) {
            throw new ImageFailure(ImageFailure.Reason.UnsupportedFormat, "the URL ends in " + suffix
                    + " but the bytes served are not " + name().toLowerCase(Locale.ROOT) + "-compressed");
        }
    }

    /** The decompressed bytes of {@code in}. */
    InputStream decompress(InputStream in) throws IOException {
        return switch (this) {
            case NONE -> in;
            case GZIP -> new GZIPInputStream(in, 1 << 16);
            // A header may ask for a dictionary of up to 4 GiB; a hostile one would take the heap.
            case XZ -> new XZInputStream(in, XZ_MEMORY_LIMIT_KIB);
            case ZSTD -> new ZstdInputStream(in);
        };
    }
}
