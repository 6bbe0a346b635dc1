package dev.celadon.hypervisor.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** What qemu-img reads of a disk image, for tests that check what a worker did to its disks. */
public final class QemuImg {

    private QemuImg() {
    }

    /** The image's virtual size, read with {@code -U}: a running worker holds the image locked. */
    public static long virtualSize(Path disk) throws Exception {
        Process info = new ProcessBuilder("qemu-img", "info", "-U", "--output=json", disk.toString())
                .redirectErrorStream(true).start();
        String json = new String(info.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(info.waitFor()).as(json).isZero();
        return new ObjectMapper().readTree(json).path("virtual-size").asLong();
    }
}
