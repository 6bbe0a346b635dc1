package dev.celadon.reconciler.upgrade;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

/**
 * The one upgrade the appliance is on or last finished, kept on the data partition across reboots in
 * {@code <state-dir>/upgrade/upgrade.properties} (docs/design.md §4 "Upgrades"). A properties file because the
 * shell reads and appends it too: the trial watchdog ({@code /sbin/celadon-trial}) reads {@code ready-timeout},
 * {@code good-boot} and {@code waiting}, and when it gives up appends a {@code reason=} line, which wins over an
 * earlier one as properties do.
 *
 * @param phase      {@code trying} from the moment the reboot into {@code version} is decided until that version
 *                   marks itself good ({@code good}) or the old one finds it failed ({@code failed})
 * @param sha256     with {@code version}, which document this was: a failed one is not tried again until it changes
 * @param from       the version that staged it, which the appliance falls back to
 * @param bootId     the kernel's boot id when it was staged: the same boot is still on its way to the reboot
 * @param partitions the partitions that were Running when it was staged: the new version is good once they run again
 * @param waiting    on the trial boot, what the new version still waits for (the watchdog's reason if it gives up)
 * @param goodBoot   the id of the last boot whose image on trial was marked good: the watchdog of that boot stops
 * @param reason     why it failed
 */
public record UpgradeRecord(Phase phase, String version, String sha256, String from, String bootId,
                            long readyTimeoutSeconds, List<String> partitions, String waiting, String goodBoot,
                            String reason, Instant at) {

    public enum Phase {
        TRYING, GOOD, FAILED;

        String value() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** The watchdog's and this file's own lines are short; anything this big is not the record. */
    private static final long MAX_BYTES = 64 * 1024;
    private static final String FILE = "upgrade.properties";

    public UpgradeRecord {
        partitions = List.copyOf(partitions);
        waiting = waiting == null ? "" : waiting;
        goodBoot = goodBoot == null ? "" : goodBoot;
        reason = reason == null ? "" : reason;
    }

    UpgradeRecord with(Phase newPhase, String newReason, Instant now) {
        return new UpgradeRecord(newPhase, version, sha256, from, bootId, readyTimeoutSeconds, partitions, waiting,
                goodBoot, newReason, now);
    }

    UpgradeRecord waiting(String what) {
        return new UpgradeRecord(phase, version, sha256, from, bootId, readyTimeoutSeconds, partitions, what, goodBoot,
                reason, at);
    }

    UpgradeRecord goodBoot(String boot) {
        return new UpgradeRecord(phase, version, sha256, from, bootId, readyTimeoutSeconds, partitions, waiting, boot,
                reason, at);
    }

    /** Whether this record is about the document naming {@code version} with {@code sha256}. */
    boolean isFor(String otherVersion, String otherSha256) {
        return version.equals(otherVersion) && sha256.equals(otherSha256);
    }

    /** The record in {@code dir}; none when there is none, or when it cannot be read (said in the log by the caller). */
    static Optional<UpgradeRecord> read(Path dir) throws IOException {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        if (Files.size(file) > MAX_BYTES) {
            throw new IOException(file + " is over " + MAX_BYTES + " bytes");
        }
        Properties lines = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            lines.load(reader);
        }
        try {
            Phase phase = Phase.valueOf(lines.getProperty("phase", "").toUpperCase(java.util.Locale.ROOT));
            String partitions = lines.getProperty("partitions", "");
            return Optional.of(new UpgradeRecord(phase, required(lines, "version"), required(lines, "sha256"),
                    required(lines, "from"), lines.getProperty("boot-id", ""),
                    Long.parseLong(lines.getProperty("ready-timeout", "0")),
                    partitions.isBlank() ? List.of() : Arrays.asList(partitions.split(",")),
                    lines.getProperty("waiting", ""), lines.getProperty("good-boot", ""), lines.getProperty("reason", ""),
                    Instant.parse(required(lines, "at"))));
        } catch (IllegalArgumentException | java.time.DateTimeException e) {
            throw new IOException(file + " is not an upgrade record: " + e.getMessage(), e);
        }
    }

    /** Writes the record in place of the last: a temporary file, flushed, renamed, the folder flushed. */
    void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Properties lines = new Properties();
        lines.setProperty("phase", phase.value());
        lines.setProperty("version", version);
        lines.setProperty("sha256", sha256);
        lines.setProperty("from", from);
        lines.setProperty("boot-id", bootId);
        lines.setProperty("ready-timeout", Long.toString(readyTimeoutSeconds));
        lines.setProperty("partitions", String.join(",", partitions));
        lines.setProperty("waiting", waiting);
        lines.setProperty("good-boot", goodBoot);
        lines.setProperty("reason", reason);
        lines.setProperty("at", at.toString());
        StringWriter text = new StringWriter();
        lines.store(text, "Celadon's appliance upgrade (docs/design.md §4 \"Upgrades\"); /sbin/celadon-trial reads it");
        Path temp = dir.resolve(FILE + ".tmp");
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            channel.write(StandardCharsets.UTF_8.encode(text.toString()));
            channel.force(true);
        }
        try {
            Files.move(temp, dir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("cannot replace " + dir.resolve(FILE) + " atomically", e);
        }
        try (FileChannel folder = FileChannel.open(dir, StandardOpenOption.READ)) {
            folder.force(true);
        }
    }

    /** No upgrade under way any more: the record goes (a cancelled one, before its reboot). */
    static void delete(Path dir) throws IOException {
        Files.deleteIfExists(dir.resolve(FILE));
    }

    private static String required(Properties lines, String key) {
        String value = lines.getProperty(key, "");
        if (value.isBlank()) {
            throw new IllegalArgumentException("no " + key + "=");
        }
        return value;
    }
}
