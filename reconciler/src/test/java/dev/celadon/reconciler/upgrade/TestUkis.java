package dev.celadon.reconciler.upgrade;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/** Unified kernel images for tests, made as build-appliance.sh makes the appliance's: the real stub and objcopy. */
final class TestUkis {

    private TestUkis() {
    }

    static final String STUB = "/usr/lib/systemd/boot/efi/linuxx64.efi.stub";

    /**
     * A unified kernel image in {@code dir} with the given sections (of "osrel", "cmdline", "linux", "initrd"), small
     * dummy kernel and initrd: build-appliance.sh's recipe, each section at the next 4 KiB-aligned
     * address after the previous one.
     */
    static Path build(Path dir, String name, String osRelease, List<String> sections) throws IOException, InterruptedException {
        Files.writeString(dir.resolve("osrel"), osRelease);
        Files.writeString(dir.resolve("cmdline"), "console=ttyS0 quiet");
        Files.write(dir.resolve("linux"), random(3000, 1));
        Files.write(dir.resolve("initrd"), random(5000, 2));
        String script = """
                set -euo pipefail
                align=4096
                read -r size vma < <(objdump -h "$STUB" | awk 'NF == 7 {size = $3; vma = $4} END {print size, vma}')
                next=$((0x$size + 0x$vma))
                args=()
                for s in "${@:2}"; do
                	next=$(( (next + align - 1) / align * align ))
                	args+=(--add-section ".$s=$s" --change-section-vma ".$s=$(printf 0x%x "$next")")
                	next=$((next + $(stat -L -c %s "$s")))
                done
                objcopy "${args[@]}" "$STUB" "$1"
                """;
        List<String> command = new ArrayList<>(List.of("bash", "-c", script, "uki", name));
        command.addAll(sections);
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        builder.environment().put("STUB", STUB);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException("building a UKI failed: " + output);
        }
        return dir.resolve(name);
    }

    /** The os-release of a Celadon image of {@code version}. */
    static String osRelease(String version) {
        return "NAME=\"Celadon\"\nID=celadon\nVERSION_ID=" + version + "\nVERSION=\"" + version + "\"\n";
    }

    private static byte[] random(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }
}
