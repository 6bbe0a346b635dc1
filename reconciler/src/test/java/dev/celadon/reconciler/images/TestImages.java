package dev.celadon.reconciler.images;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/** Images made by the real tools: qemu-img, xz, gzip, zstd. */
final class TestImages {

    private TestImages() {
    }

    /** A raw disk of {@code bytes} with an MBR boot signature and random content after it. */
    static byte[] rawDisk(int bytes, long seed) {
        byte[] disk = new byte[bytes];
        new Random(seed).nextBytes(disk);
        disk[510] = 0x55;
        disk[511] = (byte) 0xaa;
        return disk;
    }

    static Path qcow2(Path file, String... extra) throws IOException, InterruptedException {
        run(file.getParent(), concat(List.of("qemu-img", "create", "-q", "-f", "qcow2"), List.of(extra), List.of(file.toString(), "1M")));
        return file;
    }

    /** {@code tool -c file > file.suffix}, e.g. xz, gzip or zstd. */
    static Path compress(Path file, String tool, String suffix) throws IOException, InterruptedException {
        Path out = file.resolveSibling(file.getFileName() + suffix);
        Process process = new ProcessBuilder(tool, "-c", "-q", file.toString()).redirectOutput(out.toFile())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException(tool + " failed");
        }
        return out;
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String sha256(Path file) throws IOException {
        return sha256(Files.readAllBytes(file));
    }

    private static List<String> concat(List<String> a, List<String> b, List<String> c) {
        return java.util.stream.Stream.of(a, b, c).flatMap(List::stream).toList();
    }

    private static void run(Path dir, List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException(command + ": " + output);
        }
    }
}
