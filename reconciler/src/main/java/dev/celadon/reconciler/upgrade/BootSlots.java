package dev.celadon.reconciler.upgrade;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The two places systemd-boot looks for the appliance's boot images: {@code EFI/Linux} of slot A (the ESP) and of
 * slot B (the XBOOTLDR partition). Nothing mounts them (the reconciler has no CAP_SYS_ADMIN, and a FAT left
 * mounted is one a power cut can corrupt): each change is one mtools command on the partition, then flushed.
 */
public interface BootSlots {

    enum Slot {
        A, B;

        Slot other() {
            return this == A ? B : A;
        }
    }

    /** The file names in the slot's {@code EFI/Linux}. */
    List<String> entries(Slot slot) throws IOException;

    /**
     * Copies {@code image} into the slot as {@code name}: first under a name systemd-boot ignores, then renamed,
     * so a crash midway never leaves it a half-written image to boot.
     */
    void write(Slot slot, Path image, String name) throws IOException;

    /** Renames an entry, replacing {@code to} if it is there. */
    void rename(Slot slot, String from, String to) throws IOException;

    void delete(Slot slot, String name) throws IOException;
}
