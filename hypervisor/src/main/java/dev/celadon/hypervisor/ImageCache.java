package dev.celadon.hypervisor;

import java.nio.file.Path;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Where base images fetched by URL ({@link DiskConfig.Downloaded}) lie: one file per checksum in one
 * folder under the hypervisor's state dir. The one rule for the path, shared by the downloader that
 * writes the files and the hypervisor that opens them.
 */
public final class ImageCache {

    /** A SHA-256 as specs write it: 64 lower-case hex digits. */
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final String SUFFIX = ".img";

    private ImageCache() {
    }

    /** The cache folder of a hypervisor whose state dir is {@code stateDir}. */
    public static Path dir(Path stateDir) {
        return stateDir.toAbsolutePath().normalize().resolve("image-cache");
    }

    /** The verified, decompressed image whose served bytes have checksum {@code sha256}. */
    public static Path file(Path stateDir, String sha256) {
        return dir(stateDir).resolve(fileName(sha256));
    }

    /** The name of the image in the cache folder whose served bytes have checksum {@code sha256}. */
    public static String fileName(String sha256) {
        if (!isSha256(sha256)) {
            throw new IllegalArgumentException("not a SHA-256: " + sha256);
        }
        return sha256 + SUFFIX;
    }

    /** An image URL for messages and status: without its query, which may carry a signature (a credential). */
    public static String shown(String url) {
        int query = url.indexOf('?');
        return query < 0 ? url : url.substring(0, query) + "?…";
    }

    public static boolean isSha256(String text) {
        return SHA256.matcher(text).matches();
    }

    /** Lower-case hex of a digest. */
    public static String hex(byte[] digest) {
        return HexFormat.of().formatHex(digest);
    }
}
