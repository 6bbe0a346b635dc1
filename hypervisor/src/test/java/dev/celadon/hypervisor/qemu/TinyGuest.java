package dev.celadon.hypervisor.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;

/** Where `make guest` put the tiny guest ({@code -Dceladon-test.images=DIR}), checked to be there. */
public final class TinyGuest {

    private TinyGuest() {
    }

    /** The images dir holding {@code tiny/vmlinuz}, {@code tiny/initrd.img} and {@code tiny/base.qcow2}. */
    public static Path images() {
        Path images = Path.of(System.getProperty("celadon-test.images", "../image-builder/target/images")).toAbsolutePath().normalize();
        for (String file : List.of("tiny/vmlinuz", "tiny/initrd.img", "tiny/base.qcow2")) {
            assertThat(images.resolve(file)).as("the tiny guest is missing in %s: run `make guest`", images).isRegularFile();
        }
        return images;
    }
}
