package dev.celadon.reconciler.upgrade;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * {@link BootSlots} on the slots' block devices (or, in tests, FAT image files), through mtools, which the
 * appliance carries for this. Each command runs with a time limit and its device is flushed after it.
 */
public final class MtoolsSlots implements BootSlots {

    private static final String DIR = "::EFI/Linux";
    /** A boot image of 100 MB written to a slow disk takes a minute; a hung command is ended. */
    private static final Duration TIMEOUT = Duration.ofMinutes(10);
    private static final int MAX_OUTPUT = 64 * 1024;
    private static final Path SYS_BLOCK = Path.of("/sys/class/block");
    /** sysfs counts a partition's start in 512-byte sectors, whatever the disk's. */
    private static final long SECTOR = 512;

    private final Map<Slot, Path> devices;

    public MtoolsSlots(Map<Slot, Path> devices) {
        this.devices = Map.copyOf(devices);
    }

    @Override
    public List<String> entries(Slot slot) throws IOException {
        List<String> names = new ArrayList<>();
        for (String line : run(slot, "mdir", "-b", "-i", device(slot), DIR).split("\n")) {
            int slash = line.lastIndexOf('/');
            if (!line.isBlank() && slash >= 0) {
                names.add(line.substring(slash + 1).strip());
            }
        }
        return names;
    }

    @Override
    public void write(Slot slot, Path image, String name) throws IOException {
        String temporary = name + ".tmp";
        run(slot, "mcopy", "-D", "o", "-i", device(slot), image.toString(), DIR + "/" + temporary);
        rename(slot, temporary, name);
    }

    @Override
    public void rename(Slot slot, String from, String to) throws IOException {
        run(slot, "mren", "-D", "o", "-i", device(slot), DIR + "/" + from, DIR + "/" + to);
    }

    @Override
    public void delete(Slot slot, String name) throws IOException {
        run(slot, "mdel", "-i", device(slot), DIR + "/" + name);
    }

    /**
     * What mtools is given for the slot: a partition as its disk and the partition's byte offset
     * ({@code /dev/vda@@1048576}), else the path (an image file). mtools checks a partition device's geometry
     * ({@code HDIO_GETGEO}) and refuses one that does not start on a 63-sector track ("Hidden (2048) does not
     * match sectors (63)"), which no partition aligned to 1 MiB does; the whole disk starts at 0.
     */
    private String device(Slot slot) throws IOException {
        Path device = devices.get(slot);
        if (device == null) {
            throw new IOException("this disk has no slot " + slot);
        }
        Optional<Path> partition = partition(device);
        if (partition.isEmpty()) {
            return device.toString();
        }
        long start = Long.parseLong(Files.readString(partition.get().resolve("start")).strip());
        return disk(device) + "@@" + start * SECTOR;
    }

    /** The disk a partition device is on (its parent in sysfs), or the path itself for anything else. */
    private static Path disk(Path device) throws IOException {
        Optional<Path> partition = partition(device);
        return partition.isEmpty() ? device
                : device.resolveSibling(partition.get().toRealPath().getParent().getFileName().toString());
    }

    /** The device's folder in sysfs if it is a partition (one with a {@code partition} number), else empty. */
    private static Optional<Path> partition(Path device) {
        Path sys = SYS_BLOCK.resolve(device.getFileName().toString());
        return Files.isRegularFile(sys.resolve("partition")) ? Optional.of(sys) : Optional.empty();
    }

    /** Runs one mtools command on the slot's device, then flushes the device; its output, or why it failed. */
    private String run(Slot slot, String... command) throws IOException {
        Path output = Files.createTempFile("celadon-mtools", ".out");
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(output.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            // mtools otherwise refuses a FAT whose geometry is not a floppy's or a partitioned disk's.
            builder.environment().put("MTOOLS_SKIP_CHECK", "1");
            Process process = builder.start();
            try {
                if (!process.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    throw new IOException(command[0] + " on slot " + slot + " did not finish within "
                            + TIMEOUT.toMinutes() + " min");
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException(command[0] + " on slot " + slot + " interrupted", e);
            }
            String text;
            try (InputStream in = Files.newInputStream(output)) {
                text = new String(in.readNBytes(MAX_OUTPUT), StandardCharsets.UTF_8);
            }
            if (process.exitValue() != 0) {
                throw new IOException(command[0] + " on slot " + slot + " (" + devices.get(slot) + ") failed with exit code "
                        + process.exitValue() + ": " + text.strip());
            }
            try (FileChannel channel = FileChannel.open(disk(devices.get(slot)), StandardOpenOption.READ)) {
                channel.force(true);
            }
            return text;
        } finally {
            Files.deleteIfExists(output);
        }
    }
}
