package dev.celadon.reconciler.upgrade;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BootInfoTest {

    @TempDir
    Path dir;

    @Test
    void readsWhatInitWrites() throws IOException {
        Path file = write("version=0.2\nslot=B\nentry=celadon-0.2+2-1.efi\nesp=/dev/vda1\nslot-b=/dev/vda3\n");

        assertThat(BootInfo.read(file)).isEqualTo(new BootInfo("0.2", Optional.of("B"), Optional.of("celadon-0.2+2-1.efi"),
                Optional.of(Path.of("/dev/vda1")), Optional.of(Path.of("/dev/vda3"))));
    }

    @Test
    void emptyValuesAreAbsent() throws IOException {
        // A boot without slot B, from an image that is not where /init looked (booted some other way).
        Path file = write("version=0.1\nslot=\nentry=\nesp=/dev/vda1\nslot-b=\n");

        assertThat(BootInfo.read(file)).isEqualTo(new BootInfo("0.1", Optional.empty(), Optional.empty(),
                Optional.of(Path.of("/dev/vda1")), Optional.empty()));
    }

    @Test
    void aFileWithoutAVersionIsRefusedByName() throws IOException {
        Path file = write("slot=A\n");

        assertThatThrownBy(() -> BootInfo.read(file)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage(file + ": no version= line; not the file /init writes");
    }

    @Test
    void aMissingOrHugeFileIsRefusedByName() throws IOException {
        assertThatThrownBy(() -> BootInfo.read(dir.resolve("absent"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(dir.resolve("absent") + " cannot be read: ");
        Path huge = write("version=1\n" + "#".repeat(10_000));
        assertThatThrownBy(() -> BootInfo.read(huge)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage(huge + ": more than 4096 bytes; not the file /init writes");
    }

    private Path write(String content) throws IOException {
        return Files.writeString(dir.resolve("boot.properties"), content);
    }
}
