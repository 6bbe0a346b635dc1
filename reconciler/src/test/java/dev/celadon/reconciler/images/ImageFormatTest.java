package dev.celadon.reconciler.images;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ImageFormatTest {

    @TempDir
    Path dir;

    private static byte[] head(Path file) throws Exception {
        return Arrays.copyOf(Files.readAllBytes(file), Math.min((int) Files.size(file), ImageFormat.HEAD_BYTES));
    }

    @Test
    void qcow2MadeByQemuImgIsQcow2() throws Exception {
        assertThat(ImageFormat.detect(head(TestImages.qcow2(dir.resolve("a.qcow2"))))).isEqualTo(ImageFormat.QCOW2);
    }

    @Test
    void aRawDiskNeedsAPartitionTable() throws Exception {
        assertThat(ImageFormat.detect(TestImages.rawDisk(4096, 1))).isEqualTo(ImageFormat.RAW);
        byte[] gpt = new byte[4096];
        System.arraycopy("EFI PART".getBytes(StandardCharsets.US_ASCII), 0, gpt, 512, 8);
        assertThat(ImageFormat.detect(Arrays.copyOf(gpt, ImageFormat.HEAD_BYTES))).isEqualTo(ImageFormat.RAW);
        assertThatThrownBy(() -> ImageFormat.detect(new byte[4096])).isInstanceOfSatisfying(ImageFailure.class,
                e -> assertThat(e.reason()).isEqualTo(ImageFailure.Reason.UnsupportedFormat));
    }

    @Test
    void theApplianceBootImageIsAskedForAsAnEfiExecutable() throws Exception {
        // systemd's EFI stub, which every unified kernel image starts with: MZ, and PE\0\0 where e_lfanew points.
        byte[] stub = head(Path.of("/usr/lib/systemd/boot/efi/linuxx64.efi.stub"));

        assertThat(ImageFormat.detect(stub, ImageRequest.Content.EFI)).isEqualTo(ImageFormat.EFI);
        assertThatThrownBy(() -> ImageFormat.detect(stub, ImageRequest.Content.DISK)).isInstanceOf(ImageFailure.class)
                .hasMessageStartingWith("the image is neither qcow2 nor a raw disk");
        assertThatThrownBy(() -> ImageFormat.detect(TestImages.rawDisk(4096, 1), ImageRequest.Content.EFI))
                .isInstanceOf(ImageFailure.class).hasMessageStartingWith("the image is not an EFI executable");
        byte[] mzOnly = Arrays.copyOf(stub, stub.length);
        mzOnly[0x3c] = (byte) 0xf0;
        mzOnly[0x3d] = (byte) 0xff;
        assertThatThrownBy(() -> ImageFormat.detect(mzOnly, ImageRequest.Content.EFI)).as("a PE header out of reach")
                .isInstanceOf(ImageFailure.class);
    }

    @Test
    void aWebPageIsRefusedAndQuoted() {
        byte[] html = "<!DOCTYPE html>\n<html><body>Not here</body></html>".getBytes(StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> ImageFormat.detect(html)).isInstanceOf(ImageFailure.class)
                .hasMessageContaining("neither qcow2 nor a raw disk").hasMessageContaining("it starts with \"<!DOCTYPE html> \"");
    }

    @Test
    void aVmdkIsRefused() throws Exception {
        Path vmdk = dir.resolve("a.vmdk");
        new ProcessBuilder("qemu-img", "create", "-q", "-f", "vmdk", vmdk.toString(), "1M").start().waitFor();
        assertThatThrownBy(() -> ImageFormat.detect(head(vmdk))).isInstanceOf(ImageFailure.class)
                .hasMessageContaining("4b 44 4d 56");
    }

    @Test
    void aQcow2ThatNamesAnotherFileIsRefused() throws Exception {
        Path layered = TestImages.qcow2(dir.resolve("layered.qcow2"), "-b", "/etc/shadow", "-F", "raw", "-u");
        assertThatThrownBy(() -> ImageFormat.detect(head(layered))).isInstanceOf(ImageFailure.class)
                .hasMessageContaining("names a backing file");
        Path data = TestImages.qcow2(dir.resolve("data.qcow2"), "-o", "data_file=" + dir.resolve("data.raw"));
        assertThatThrownBy(() -> ImageFormat.detect(head(data))).isInstanceOf(ImageFailure.class)
                .hasMessageContaining("external file");
    }
}
