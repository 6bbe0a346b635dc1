package dev.celadon.reconciler.upgrade;

import dev.celadon.reconciler.upgrade.BootSlots.Slot;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The slots as the appliance writes them: real mtools on FAT32 images made as the image builder and /init make them. */
class MtoolsSlotsTest {

    @TempDir
    Path dir;
    private Path espImage;
    private Path slotBImage;
    private MtoolsSlots slots;

    @BeforeEach
    void twoFatSlots() throws Exception {
        espImage = fat("esp.img");
        slotBImage = fat("slot-b.img");
        slots = new MtoolsSlots(Map.of(Slot.A, espImage, Slot.B, slotBImage));
    }

    @Test
    void writesRenamesListsAndDeletesEntries() throws Exception {
        Path image = Files.writeString(dir.resolve("uki"), "an image\n".repeat(1000));

        slots.write(Slot.B, image, "celadon-0.2+3.efi");
        assertThat(slots.entries(Slot.B)).containsExactly("celadon-0.2+3.efi");
        assertThat(slots.entries(Slot.A)).isEmpty();
        assertThat(read(slotBImage, "celadon-0.2+3.efi")).isEqualTo(Files.readString(image));

        slots.rename(Slot.B, "celadon-0.2+3.efi", "celadon-0.2.efi");
        assertThat(slots.entries(Slot.B)).containsExactly("celadon-0.2.efi");

        slots.delete(Slot.B, "celadon-0.2.efi");
        assertThat(slots.entries(Slot.B)).isEmpty();
    }

    @Test
    void aSecondWriteReplacesTheFirst() throws Exception {
        slots.write(Slot.A, Files.writeString(dir.resolve("one"), "one"), "celadon-0.3+1.efi");
        slots.write(Slot.A, Files.writeString(dir.resolve("two"), "two"), "celadon-0.3+1.efi");

        assertThat(slots.entries(Slot.A)).containsExactly("celadon-0.3+1.efi");
        assertThat(read(espImage, "celadon-0.3+1.efi")).isEqualTo("two");
    }

    @Test
    void failuresSayWhichSlotAndWhat() {
        assertThatThrownBy(() -> slots.rename(Slot.A, "celadon-9.efi", "celadon-9+0.efi")).isInstanceOf(IOException.class)
                .hasMessageStartingWith("mren on slot A (" + espImage + ") failed with exit code 1: ")
                .hasMessageContaining("celadon-9.efi");
        assertThatThrownBy(() -> new MtoolsSlots(Map.of(Slot.A, espImage)).entries(Slot.B))
                .isInstanceOf(IOException.class).hasMessage("this disk has no slot B");
    }

    @Test
    void anImageTooBigForTheSlotFailsAndLeavesNoEntry() throws Exception {
        Path huge = dir.resolve("huge");
        try (var file = java.nio.channels.FileChannel.open(huge, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.WRITE)) {
            file.write(java.nio.ByteBuffer.wrap(new byte[] {1}), 80L << 20);
        }

        assertThatThrownBy(() -> slots.write(Slot.B, huge, "celadon-0.4+3.efi")).isInstanceOf(IOException.class)
                .hasMessageStartingWith("mcopy on slot B");
        assertThat(slots.entries(Slot.B)).noneMatch(name -> name.endsWith(".efi"));
    }

    /** A 64 MiB FAT32 with EFI/Linux, as /init makes slot B. */
    private Path fat(String name) throws Exception {
        Path image = dir.resolve(name);
        run("truncate", "-s", "64M", image.toString());
        run("mkfs.vfat", "-F", "32", image.toString());
        run("mmd", "-i", image.toString(), "::EFI", "::EFI/Linux");
        return image;
    }

    private String read(Path image, String name) throws Exception {
        Path out = dir.resolve("read-" + name);
        Files.deleteIfExists(out);
        run("mcopy", "-i", image.toString(), "::EFI/Linux/" + name, out.toString());
        return Files.readString(out);
    }

    private static void run(String... command) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(List.of(command)).redirectErrorStream(true);
        builder.environment().put("MTOOLS_SKIP_CHECK", "1");
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(String.join(" ", command) + ": " + output).isZero();
    }
}
