package dev.celadon.reconciler.images;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Writes a decompressed disk image leaving runs of zeros as holes: a raw cloud image is mostly empty space,
 * and writing it out would take its whole virtual size on the data partition.
 */
final class SparseWrites {

    private static final int BLOCK = 4096;

    private SparseWrites() {
    }

    /** Writes {@code length} bytes at the channel's position, skipping all-zero 4 KiB blocks. */
    static void write(FileChannel out, byte[] buffer, int length) throws IOException {
        for (int offset = 0; offset < length; offset += BLOCK) {
            int n = Math.min(BLOCK, length - offset);
            if (allZero(buffer, offset, n)) {
                out.position(out.position() + n);
                continue;
            }
            ByteBuffer bytes = ByteBuffer.wrap(buffer, offset, n);
            while (bytes.hasRemaining()) {
                out.write(bytes);
            }
        }
    }

    /** Gives the file its full length when it ends in a hole. */
    static void finish(FileChannel out, long length) throws IOException {
        if (out.size() < length) {
            out.write(ByteBuffer.wrap(new byte[1]), length - 1);
        }
    }

    private static boolean allZero(byte[] buffer, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            if (buffer[i] != 0) {
                return false;
            }
        }
        return true;
    }
}
