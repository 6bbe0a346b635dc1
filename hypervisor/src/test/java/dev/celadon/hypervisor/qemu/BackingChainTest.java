package dev.celadon.hypervisor.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Backing chains read from qcow2 headers: images made by qemu-img, and headers written or
 * corrupted by hand. Nothing outside the images dir may be named, and a bad header is a
 * {@link BackingChain.Problem}, never another exception.
 */
class BackingChainTest {

    private static final int CLUSTER = 65536;
    /** Where a v3 header made by qemu-img 7.2 ends and its extensions start. */
    private static final int V3_HEADER = 112;

    @TempDir
    Path root;

    private Path images;
    private Path outside;

    @BeforeEach
    void setUp() throws IOException {
        images = Files.createDirectories(root.resolve("images")).toRealPath();
        outside = Files.createDirectories(root.resolve("outside")).toRealPath();
        Files.write(outside.resolve("secret.raw"), new byte[4096]);
    }

    /** Runs qemu-img in {@code dir}; fails the test if it fails. */
    static void qemuImg(Path dir, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("qemu-img"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor()).as("%s: %s", command, output).isZero();
    }

    /** A qcow2 image of 1 MiB; {@code backing} as written into its header, not opened ({@code -u}). */
    static Path qcow2(Path file, String backing, String format) throws Exception {
        qemuImg(file.getParent(), "create", "-q", "-f", "qcow2", "-b", backing, "-F", format, "-u", file.toString(), "1M");
        return file;
    }

    static Path qcow2(Path file) throws Exception {
        qemuImg(file.getParent(), "create", "-q", "-f", "qcow2", file.toString(), "1M");
        return file;
    }

    private List<Path> chain(Path image) throws BackingChain.Problem {
        return BackingChain.of(image, List.of(images), BackingChain.MAX_IMAGES);
    }

    private AbstractThrowableAssert<?, ? extends Throwable> refused(Path image) {
        return assertThatThrownBy(() -> chain(image)).isInstanceOf(BackingChain.Problem.class);
    }

    private static void patch(Path file, long offset, byte[] bytes) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(bytes), offset);
        }
    }

    private static void patchInt(Path file, long offset, int value) throws IOException {
        patch(file, offset, ByteBuffer.allocate(4).putInt(value).array());
    }

    private static void patchLong(Path file, long offset, long value) throws IOException {
        patch(file, offset, ByteBuffer.allocate(8).putLong(value).array());
    }

    /** A version 2 header with cluster bits 16, its backing name (if any) right after it. */
    private static byte[] v2Header(String backing, int declaredSize) {
        byte[] name = backing.getBytes(StandardCharsets.UTF_8);
        ByteBuffer header = ByteBuffer.allocate(72 + name.length);
        header.putInt(0x514649fb).putInt(2).putLong(backing.isEmpty() ? 0 : 72).putInt(declaredSize).putInt(16)
                .putLong(1 << 20);
        header.position(72);
        header.put(name);
        return header.array();
    }

    // ---- chains that are fine

    @Test
    void aChainInsideTheImagesDirIsListedInOrder() throws Exception {
        Path raw = Files.write(images.resolve("base.raw"), new byte[1 << 20]);
        Path mid = qcow2(images.resolve("mid.qcow2"), "base.raw", "raw");
        Path top = qcow2(images.resolve("top.qcow2"), mid.toString(), "qcow2");
        assertThat(chain(top)).containsExactly(top, mid, raw);
        assertThat(chain(raw)).as("a raw image names nothing").containsExactly(raw);
        Path alone = qcow2(images.resolve("alone.qcow2"));
        assertThat(chain(alone)).containsExactly(alone);
    }

    @Test
    void versionTwoImagesAreReadToo() throws Exception {
        Path base = qcow2(images.resolve("base.qcow2"));
        Path v2 = images.resolve("v2.qcow2");
        qemuImg(images, "create", "-q", "-f", "qcow2", "-o", "compat=0.10", "-b", "base.qcow2", "-F", "qcow2", "-u",
                v2.toString(), "1M");
        assertThat(chain(v2)).containsExactly(v2, base);
        Path escaping = images.resolve("v2-escape.qcow2");
        qemuImg(images, "create", "-q", "-f", "qcow2", "-o", "compat=0.10", "-b", "/etc/passwd", "-F", "raw", "-u",
                escaping.toString(), "1M");
        refused(escaping).hasMessageContaining("'/etc/passwd'").hasMessageContaining("outside the images dirs");
    }

    @Test
    void relativeNamesResolveAgainstTheDirectoryOfThePathTheImageIsOpenedBy() throws Exception {
        Files.createDirectories(images.resolve("sub"));
        Path upper = qcow2(images.resolve("base.qcow2"));
        Path lower = qcow2(images.resolve("sub/base.qcow2"));
        Path mid = qcow2(images.resolve("sub/mid.qcow2"), "base.qcow2", "qcow2");
        assertThat(chain(mid)).containsExactly(mid, lower);
        // Opened through a symlink, QEMU resolves "base.qcow2" next to the link, not next to its target.
        Path alias = Files.createSymbolicLink(images.resolve("alias.qcow2"), mid);
        assertThat(chain(alias)).containsExactly(mid, upper);
        Path dotted = qcow2(images.resolve("sub/dotted.qcow2"), "../base.qcow2", "qcow2");
        assertThat(chain(dotted)).containsExactly(dotted, upper);
    }

    @Test
    void aColonAfterASlashIsPartOfAFileName() throws Exception {
        Path odd = Files.write(images.resolve("odd:name.raw"), new byte[512]);
        Path top = qcow2(images.resolve("top.qcow2"), "./odd:name.raw", "raw");
        assertThat(chain(top)).containsExactly(top, odd);
    }

    @Test
    void aBackingFileWithNoNamedFormatIsTrustedOnlyWhenItIsQcow2() throws Exception {
        Path base = qcow2(images.resolve("base.qcow2"));
        Path top = qcow2(images.resolve("top.qcow2"), "base.qcow2", "qcow2");
        patchInt(top, V3_HEADER, 0x0badf00d); // the backing format extension becomes an unknown one
        assertThat(chain(top)).containsExactly(top, base);
        Files.write(images.resolve("base.raw"), "# Disk DescriptorFile\n".getBytes(StandardCharsets.US_ASCII));
        Path probed = qcow2(images.resolve("probed.qcow2"), "base.raw", "raw");
        patchInt(probed, V3_HEADER, 0x0badf00d);
        refused(probed).hasMessageContaining("no backing format").hasMessageContaining("probe");
    }

    @Test
    void aBackingFileNamedRawEndsTheChainWhateverItHolds() throws Exception {
        Path escaping = qcow2(images.resolve("escaping.qcow2"), "/etc/passwd", "raw");
        Path top = qcow2(images.resolve("top.qcow2"), "escaping.qcow2", "raw");
        assertThat(chain(top)).as("QEMU reads escaping.qcow2 as raw bytes").containsExactly(top, escaping);
    }

    // ---- names outside the images dirs

    @Test
    void aBackingFileOutsideTheImagesDirsIsRefused() throws Exception {
        Path top = qcow2(images.resolve("top.qcow2"), "/etc/passwd", "raw");
        refused(top).hasMessage(top + " names backing file '/etc/passwd', which resolves to /etc/passwd, outside the images dirs ["
                + images + "]");
        Path relative = qcow2(images.resolve("relative.qcow2"), "../outside/secret.raw", "raw");
        refused(relative).hasMessageContaining(relative + " names backing file '../outside/secret.raw'")
                .hasMessageContaining("outside the images dirs");
    }

    @Test
    void aSymlinkInTheImagesDirThatLeadsOutIsRefused() throws Exception {
        Files.createSymbolicLink(images.resolve("escape.raw"), outside.resolve("secret.raw"));
        Files.createSymbolicLink(images.resolve("escape-dir"), outside);
        Path top = qcow2(images.resolve("top.qcow2"), "escape.raw", "raw");
        refused(top).hasMessageContaining("'escape.raw', which resolves to " + outside.resolve("secret.raw"));
        Path viaDir = qcow2(images.resolve("via-dir.qcow2"), "escape-dir/secret.raw", "raw");
        refused(viaDir).hasMessageContaining("outside the images dirs");
        // The whole chain is walked: the escape may sit further down.
        Path upper = qcow2(images.resolve("upper.qcow2"), "top.qcow2", "qcow2");
        refused(upper).hasMessageContaining(top + " names backing file 'escape.raw'");
    }

    @Test
    void protocolNamesAreRefused() throws Exception {
        for (String name : List.of("json:{\"file\":{\"driver\":\"file\",\"filename\":\"/etc/passwd\"}}",
                "nbd:localhost:10809", "http://example.com/disk.raw", "file:/etc/passwd", "nbd+unix:///x?socket=/run/s")) {
            Path top = qcow2(images.resolve("top.qcow2"), name, "raw");
            refused(top).as(name).hasMessageContaining("not a plain file name")
                    .hasMessageContaining("'" + name.substring(0, name.indexOf(':') + 1) + "' as a protocol");
        }
    }

    @Test
    void aMissingBackingFileOrOneThatIsNoFileIsRefused() throws Exception {
        refused(qcow2(images.resolve("missing.qcow2"), "absent.raw", "raw")).hasMessageContaining("does not exist");
        Files.createDirectories(images.resolve("dir"));
        refused(qcow2(images.resolve("dir.qcow2"), "dir", "raw")).hasMessageContaining("not a regular file");
        // A FIFO would block whoever opens it: it is refused without being opened.
        Process mkfifo = new ProcessBuilder("mkfifo", images.resolve("fifo").toString()).start();
        assertThat(mkfifo.waitFor()).isZero();
        refused(qcow2(images.resolve("fifo.qcow2"), "fifo", "raw")).hasMessageContaining("not a regular file");
        refused(qcow2(images.resolve("dev.qcow2"), "/dev/zero", "raw")).hasMessageContaining("outside the images dirs");
    }

    @Test
    void onlyQcow2AndRawBackingFormatsAreAllowed() throws Exception {
        Files.write(images.resolve("disk.vmdk"), new byte[512]);
        refused(qcow2(images.resolve("vmdk.qcow2"), "disk.vmdk", "vmdk")).hasMessageContaining("format 'vmdk'");
        Path raw = Files.write(images.resolve("plain.raw"), new byte[512]);
        refused(qcow2(images.resolve("lying.qcow2"), "plain.raw", "qcow2")).hasMessageContaining("as qcow2, which it is not");
        assertThat(raw).exists();
    }

    // ---- external data files

    @Test
    void anExternalDataFileMustBeAbsoluteAndInTheImagesDirs() throws Exception {
        Path data = images.resolve("inside.data");
        Path inside = images.resolve("inside.qcow2");
        qemuImg(images, "create", "-q", "-f", "qcow2", "-o", "data_file=" + data, inside.toString(), "1M");
        assertThat(chain(inside)).containsExactly(inside, data);

        Path escaping = images.resolve("escaping.qcow2");
        qemuImg(images, "create", "-q", "-f", "qcow2", "-o", "data_file=" + outside.resolve("escaping.data"),
                escaping.toString(), "1M");
        refused(escaping).hasMessageContaining(escaping + " names external data file '" + outside.resolve("escaping.data") + "'")
                .hasMessageContaining("outside the images dirs");

        Path relative = images.resolve("relative.qcow2");
        qemuImg(images, "create", "-q", "-f", "qcow2", "-o", "data_file=relative.data", relative.toString(), "1M");
        refused(relative).hasMessageContaining("'relative.data', which is relative");

        // A base further down with an escaping data file is refused as well.
        Path top = qcow2(images.resolve("top.qcow2"), "escaping.qcow2", "qcow2");
        refused(top).hasMessageContaining(escaping + " names external data file");
    }

    // ---- loops and depth

    @Test
    void loopsAreRefused() throws Exception {
        Path a = qcow2(images.resolve("a.qcow2"), "b.qcow2", "qcow2");
        Path b = qcow2(images.resolve("b.qcow2"), "a.qcow2", "qcow2");
        refused(a).hasMessage(b + " names backing file 'a.qcow2', which is " + a + ", already in the chain: the chain loops");
        Path self = qcow2(images.resolve("self.qcow2"), "self.qcow2", "qcow2");
        refused(self).hasMessageContaining("the chain loops");
        Files.createSymbolicLink(images.resolve("alias.qcow2"), images.resolve("via.qcow2"));
        Path via = qcow2(images.resolve("via.qcow2"), "alias.qcow2", "qcow2");
        refused(via).as("a loop through a symlink").hasMessageContaining("the chain loops");
    }

    @Test
    void chainsDeeperThanTheLimitAreRefused() throws Exception {
        Path previous = qcow2(images.resolve("0.qcow2"));
        for (int i = 1; i < BackingChain.MAX_IMAGES; i++) {
            previous = qcow2(images.resolve(i + ".qcow2"), (i - 1) + ".qcow2", "qcow2");
        }
        assertThat(chain(previous)).hasSize(BackingChain.MAX_IMAGES);
        assertThatThrownBy(() -> BackingChain.of(images.resolve((BackingChain.MAX_IMAGES - 1) + ".qcow2"), List.of(images),
                BackingChain.MAX_IMAGES - 1)).isInstanceOf(BackingChain.Problem.class)
                .hasMessageContaining("more than " + (BackingChain.MAX_IMAGES - 1) + " images");
        Path deeper = qcow2(images.resolve("deeper.qcow2"), previous.getFileName().toString(), "qcow2");
        refused(deeper).hasMessageContaining("more than " + BackingChain.MAX_IMAGES + " images");
    }

    // ---- broken headers

    @Test
    void truncatedHeadersAreRefused() throws Exception {
        Path made = qcow2(images.resolve("made.qcow2"), "base.raw", "raw");
        byte[] whole = Files.readAllBytes(made);
        for (int length : new int[] {4, 7, 20, 71, 100, 103}) {
            Path cut = Files.write(images.resolve("cut-" + length + ".qcow2"), Arrays.copyOf(whole, length));
            refused(cut).as("cut at %d bytes", length).hasMessageContaining("is truncated");
        }
        Path shortV2 = Files.write(images.resolve("short-v2.qcow2"), Arrays.copyOf(v2Header("", 0), 40));
        refused(shortV2).hasMessageContaining("is truncated");
    }

    @Test
    void aBackingNameBeyondTheEndOfTheFileIsRefused() throws Exception {
        Path base = qcow2(images.resolve("base.qcow2"));
        Path fine = Files.write(images.resolve("fine.qcow2"), v2Header("base.qcow2", 10));
        assertThat(chain(fine)).as("no backing format: probed, and a qcow2 magic is trusted").containsExactly(fine, base);
        Path beyond = Files.write(images.resolve("beyond.qcow2"), v2Header("base.qcow2", 200));
        refused(beyond).hasMessageContaining("is truncated").hasMessageContaining("backing file name");
        // No name after the header: the end of the extensions, then a name at byte 60000 of an 80-byte file.
        Path far = Files.write(images.resolve("far.qcow2"), Arrays.copyOf(v2Header("", 0), 80));
        patchLong(far, 8, 60_000);
        patchInt(far, 16, 10);
        refused(far).hasMessageContaining("is truncated");
    }

    @Test
    void absurdOffsetsAndSizesAreRefused() throws Exception {
        Path offset = qcow2(images.resolve("offset.qcow2"), "base.raw", "raw");
        patchLong(offset, 8, CLUSTER + 8);
        refused(offset).hasMessageContaining("beyond its first cluster");
        Path negative = qcow2(images.resolve("negative.qcow2"), "base.raw", "raw");
        patchLong(negative, 8, -8);
        refused(negative).hasMessageContaining("beyond its first cluster").hasMessageContaining("18446744073709551608");
        Path huge = qcow2(images.resolve("huge.qcow2"), "base.raw", "raw");
        patchInt(huge, 16, -1);
        refused(huge).hasMessageContaining("4294967295 bytes").hasMessageContaining("at most 1023");
        Path oversized = qcow2(images.resolve("oversized.qcow2"), "x".repeat(1000), "raw");
        patchInt(oversized, 16, 1024);
        refused(oversized).hasMessageContaining("a backing file name of 1024 bytes");
        Path extension = qcow2(images.resolve("extension.qcow2"), "base.raw", "raw");
        patchInt(extension, V3_HEADER + 4, -1);
        refused(extension).hasMessageContaining("runs past the header area");
        Path format = qcow2(images.resolve("format.qcow2"), "base.raw", "raw");
        patchInt(format, V3_HEADER + 4, 16);
        refused(format).hasMessageContaining("backing format name of 16 bytes");
        Path headerLength = qcow2(images.resolve("header-length.qcow2"));
        patchInt(headerLength, 100, 96);
        refused(headerLength).hasMessageContaining("header length of 96 bytes");
        Path clusterBits = qcow2(images.resolve("cluster-bits.qcow2"));
        patchInt(clusterBits, 20, 40);
        refused(clusterBits).hasMessageContaining("cluster size of 2^40");
    }

    @Test
    void otherVersionsAreRefused() throws Exception {
        for (int version : new int[] {0, 1, 4, -1}) {
            Path image = qcow2(images.resolve("v" + version + ".qcow2"));
            patchInt(image, 4, version);
            refused(image).hasMessageContaining("is qcow2 version " + Integer.toUnsignedString(version));
        }
    }

    @Test
    void namesThatAreNotCleanTextAreRefused() throws Exception {
        Files.write(images.resolve("base.raw"), new byte[512]);
        Path nul = qcow2(images.resolve("nul.qcow2"), "base.raw", "raw");
        byte[] name = Files.readAllBytes(nul);
        long offset = ByteBuffer.wrap(name).getLong(8);
        patch(nul, offset + 4, new byte[] {0});
        refused(nul).hasMessageContaining("NUL byte");
        Path invalid = qcow2(images.resolve("invalid.qcow2"), "base.raw", "raw");
        patch(invalid, offset + 4, new byte[] {(byte) 0xff});
        refused(invalid).hasMessageContaining("not UTF-8 text");
    }

    /** Whatever the bytes, the answer is a chain or a Problem: never an exception of another kind. */
    @Test
    void corruptHeadersNeverThrowAnythingElse() throws Exception {
        Files.write(images.resolve("base.raw"), new byte[512]);
        Path data = images.resolve("d.data");
        Path made = images.resolve("made.qcow2");
        qemuImg(images, "create", "-q", "-f", "qcow2", "-o", "data_file=" + data, "-b", "base.raw", "-F", "raw", "-u",
                made.toString(), "1M");
        // The header, its extensions and the backing name lie in the first bytes; the rest is tables.
        byte[] whole = Arrays.copyOf(Files.readAllBytes(made), 4096);
        Path target = images.resolve("fuzzed.qcow2");
        for (int length = 0; length <= 600; length++) {
            Files.write(target, Arrays.copyOf(whole, length));
            survives(target);
        }
        Random random = new Random(13);
        for (int round = 0; round < 600; round++) {
            byte[] bytes = whole.clone();
            for (int flips = 1 + random.nextInt(4); flips > 0; flips--) {
                // Mostly the header, the extensions and the backing name; sometimes the fields' high bytes.
                int at = random.nextInt(round % 2 == 0 ? 128 : 600);
                bytes[at] = (byte) (random.nextBoolean() ? random.nextInt(256) : bytes[at] ^ (1 << random.nextInt(8)));
            }
            Files.write(target, bytes);
            survives(target);
        }
    }

    private void survives(Path image) {
        try {
            for (Path file : chain(image)) {
                if (!file.startsWith(images)) {
                    fail("outside the images dir: " + file);
                }
            }
        } catch (BackingChain.Problem e) {
            if (e.getMessage() == null || e.getMessage().isBlank()) {
                fail("a Problem without words", e);
            }
        } catch (Exception e) {
            fail("not a Problem: " + e, e);
        }
    }
}
