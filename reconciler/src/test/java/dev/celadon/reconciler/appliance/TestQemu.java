package dev.celadon.reconciler.appliance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A QEMU this test started in {@code dir}: its own output in {@code qemu.log}, its guest's serial console in
 * {@code console.log} (the command's {@code -serial file:}); ended as a power cut, with any helper it ran.
 */
final class TestQemu implements AutoCloseable {

    private final Path dir;
    private final Process qemu;

    private TestQemu(Path dir, Process qemu) {
        this.dir = dir;
        this.qemu = qemu;
    }

    static TestQemu start(Path dir, List<String> command) throws IOException {
        Process qemu = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("qemu.log").toFile()).start();
        return new TestQemu(dir, qemu);
    }

    boolean isAlive() {
        return qemu.isAlive();
    }

    /** What the guest printed on its serial console so far. */
    String consoleText() {
        try {
            Path log = dir.resolve("console.log");
            return Files.exists(log) ? Files.readString(log, StandardCharsets.ISO_8859_1) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        qemu.destroy();
        try {
            if (!qemu.waitFor(10, TimeUnit.SECONDS)) {
                qemu.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            qemu.destroyForcibly();
        }
        qemu.descendants().forEach(ProcessHandle::destroyForcibly); // socat helpers of guestfwd
    }
}
