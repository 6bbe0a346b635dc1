package dev.celadon.reconciler.upgrade;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Properties;

/**
 * What the appliance booted, as its {@code /init} found it and wrote it to {@code celadon.appliance.boot-file}
 * (docs/design.md §4 "Upgrades"): the version (the initramfs's os-release {@code VERSION_ID}), the slot whose
 * {@code EFI/Linux} holds that version's image ({@code A}, the ESP, or {@code B}; empty when neither does, as
 * when the image was booted some other way), the image's file name there (with systemd-boot's try counter
 * while the version is on trial), and the two slots' block devices (slot B's empty until /init could make it).
 */
public record BootInfo(String version, Optional<String> slot, Optional<String> entry, Optional<Path> esp,
                       Optional<Path> slotB) {

    /** The file is /init's, a few lines; anything bigger is not it. */
    private static final long MAX_BYTES = 4096;

    /**
     * Reads the file /init wrote.
     *
     * @throws IllegalArgumentException naming the file and what is wrong with it: the reconciler does not
     *                                  start on a boot it cannot tell
     */
    public static BootInfo read(Path file) {
        Properties lines = new Properties();
        try {
            if (Files.size(file) > MAX_BYTES) {
                throw new IllegalArgumentException(file + ": more than " + MAX_BYTES + " bytes; not the file /init writes");
            }
            try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                lines.load(reader);
            }
        } catch (IOException e) {
            throw new IllegalArgumentException(file + " cannot be read: " + e.getMessage(), e);
        }
        String version = lines.getProperty("version", "").strip();
        if (version.isEmpty()) {
            throw new IllegalArgumentException(file + ": no version= line; not the file /init writes");
        }
        return new BootInfo(version, present(lines, "slot"), present(lines, "entry"),
                present(lines, "esp").map(Path::of), present(lines, "slot-b").map(Path::of));
    }

    private static Optional<String> present(Properties lines, String key) {
        return Optional.ofNullable(lines.getProperty(key)).map(String::strip).filter(value -> !value.isEmpty());
    }
}
