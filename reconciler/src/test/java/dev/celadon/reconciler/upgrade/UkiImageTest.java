package dev.celadon.reconciler.upgrade;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

/** Unified kernel images made as image-builder/build-appliance.sh makes them: systemd's stub and objcopy. */
class UkiImageTest {

    private static final String OS_RELEASE = """
            NAME="Celadon"
            ID=celadon
            VERSION_ID=0.2
            VERSION="0.2"
            PRETTY_NAME="Celadon appliance 0.2"
            """;
    private static final List<String> ALL_SECTIONS = List.of("osrel", "cmdline", "linux", "initrd");

    @TempDir
    Path dir;

    @Test
    void readsTheSectionsAndTheOsRelease() throws Exception {
        Path file = uki("celadon.efi", OS_RELEASE, ALL_SECTIONS);

        UkiImage image = valid(file);
        assertThat(image.path()).isEqualTo(file);
        assertThat(image.sections().keySet()).startsWith(".text").endsWith(".osrel", ".cmdline", ".linux", ".initrd");
        for (String name : ALL_SECTIONS) {
            UkiImage.Section section = image.sections().get("." + name);
            byte[] content = Files.readAllBytes(dir.resolve(name));
            assertThat(section.size()).isEqualTo(content.length);
            assertThat(bytesAt(file, section.offset(), content.length)).isEqualTo(content);
        }
        assertThat(image.osRelease()).containsExactly(entry("NAME", "Celadon"), entry("ID", "celadon"),
                entry("VERSION_ID", "0.2"), entry("VERSION", "0.2"), entry("PRETTY_NAME", "Celadon appliance 0.2"));
        assertThat(image.versionId()).isEqualTo("0.2");
    }

    @Test
    void theAppliancesOwnOsReleaseIsValid() throws Exception {
        String osRelease = Files.readString(Path.of("../appliance/etc/os-release"));

        UkiImage image = valid(uki("celadon.efi", osRelease, ALL_SECTIONS));
        assertThat(image.versionId()).isEqualTo(UkiImage.parseOsRelease(osRelease).get("VERSION_ID"));
    }

    @Test
    void theCommandLineIsOptional() throws Exception {
        assertThat(valid(uki("celadon.efi", OS_RELEASE, List.of("osrel", "linux", "initrd"))).sections())
                .doesNotContainKey(".cmdline");
    }

    @ParameterizedTest
    @ValueSource(strings = {"linux", "initrd", "osrel"})
    void aMissingSectionIsNamed(String missing) throws Exception {
        List<String> sections = ALL_SECTIONS.stream().filter(name -> !name.equals(missing)).toList();

        assertThat(problem(uki("celadon.efi", OS_RELEASE, sections)))
                .isEqualTo("not a unified kernel image: no ." + missing + " section");
    }

    @Test
    void anEmptyKernelIsNamed() throws Exception {
        Path file = uki("celadon.efi", OS_RELEASE, ALL_SECTIONS);
        byte[] bytes = Files.readAllBytes(file);
        Headers headers = new Headers(bytes);

        headers.buffer.putInt(headers.section(".linux") + 8, 0);
        assertThat(problem(Files.write(file, bytes))).isEqualTo("not a unified kernel image: an empty .linux section");
    }

    @Test
    void theStubAloneIsNoUnifiedKernelImage() throws Exception {
        assertThat(problem(Path.of(TestUkis.STUB))).isEqualTo("not a unified kernel image: no .linux section");
    }

    @Test
    void theOsReleaseMustNameACeladonVersion() throws Exception {
        assertThat(problem(uki("a.efi", "ID=celadon\nVERSION=\"0.2\"\n", ALL_SECTIONS)))
                .isEqualTo("its os-release has no VERSION_ID");
        assertThat(problem(uki("b.efi", "ID=debian\nVERSION_ID=12\n", ALL_SECTIONS)))
                .isEqualTo("its os-release ID is debian, not celadon");
        assertThat(problem(uki("c.efi", "VERSION_ID=0.2\n", ALL_SECTIONS))).isEqualTo("its os-release has no ID");
        assertThat(problem(uki("d.efi", "ID=celadon\nVERSION_ID=0.2+1\n", ALL_SECTIONS)))
                .startsWith("its os-release VERSION_ID 0.2+1 cannot name a boot entry");
        assertThat(problem(uki("e.efi", "ID=celadon\nIMAGE_ID=other\nVERSION_ID=0.2\n", ALL_SECTIONS)))
                .startsWith("its os-release IMAGE_ID is other");
    }

    /** systemd-boot 252 sorts by IMAGE_VERSION, else VERSION, else VERSION_ID: they must agree. */
    @Test
    void systemdBootMustSortItByVersionId() throws Exception {
        assertThat(problem(uki("a.efi", "ID=celadon\nVERSION_ID=0.3\nVERSION=\"0.3 (beta)\"\n", ALL_SECTIONS)))
                .isEqualTo("its os-release VERSION_ID is 0.3 but systemd-boot would sort it as 0.3 (beta) (its "
                        + "IMAGE_VERSION, else VERSION)");
        assertThat(problem(uki("b.efi", "ID=celadon\nVERSION_ID=0.3\nIMAGE_VERSION=7\n", ALL_SECTIONS)))
                .contains("would sort it as 7");
        assertThat(valid(uki("c.efi", "ID=celadon\nVERSION_ID=0.3\n", ALL_SECTIONS)).versionId()).isEqualTo("0.3");
    }

    /** Valid os-release(5), yet systemd-boot 252 reads another ID: it strips double quotes only. */
    @Test
    void fieldsSystemdBootReadsOtherwiseAreRefused() throws Exception {
        assertThat(problem(uki("a.efi", "ID='celadon'\nVERSION_ID=0.2\n", ALL_SECTIONS)))
                .isEqualTo("its os-release ID is celadon but systemd-boot 252 reads 'celadon' (it strips only double "
                        + "quotes and decodes no escapes)");
        assertThat(problem(uki("b.efi", "ID=celadon\nVERSION_ID=\"0.2\\$\"\n", ALL_SECTIONS)))
                .contains("VERSION_ID is 0.2$ but systemd-boot 252 reads 0.2\\$");
        assertThat(problem(uki("c.efi", "ID=celadon\nVERSION_ID=0\\.2\n", ALL_SECTIONS)))
                .contains("VERSION_ID is 0.2 but systemd-boot 252 reads 0\\.2");
        assertThat(problem(uki("d.efi", "ID=celadon\nVERSION_ID=\"0.2\n", ALL_SECTIONS)))
                .contains("VERSION_ID is unset but systemd-boot 252 reads \"0.2");
    }

    @Test
    void anOsReleaseOver64KiBIsRefusedUnread() throws Exception {
        String big = OS_RELEASE + "#".repeat(UkiImage.MAX_OS_RELEASE) + "\n";

        assertThat(problem(uki("celadon.efi", big, ALL_SECTIONS)))
                .isEqualTo("the .osrel section is " + big.length() + " bytes; an os-release file is at most 65536");
    }

    @Test
    void theOsReleaseEndsAtANulAsForSystemdBoot() throws Exception {
        UkiImage image = valid(uki("celadon.efi", OS_RELEASE + "\0ID=debian\n", ALL_SECTIONS));

        assertThat(image.osRelease()).containsEntry("ID", "celadon");
    }

    @Test
    void anEmptyOrMissingFile() throws Exception {
        assertThat(problem(Files.write(dir.resolve("empty.efi"), new byte[0]))).isEqualTo("not a PE file: it is empty");
        assertThatThrownBy(() -> UkiImage.check(dir.resolve("absent.efi"))).isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void randomBytesAreNoPeFile() throws Exception {
        byte[] random = new byte[100_000];
        new Random(1).nextBytes(random);
        random[0] = 'X';
        assertThat(problem(Files.write(dir.resolve("random.efi"), random)))
                .isEqualTo("not a PE file: it does not start with MZ");
        random[0] = 'M';
        random[1] = 'Z';
        assertThat(problem(Files.write(dir.resolve("mz.efi"), random))).isNotEmpty();
    }

    @Test
    void aTruncatedImageIsRefusedWhereverItIsCut() throws Exception {
        Path file = uki("celadon.efi", OS_RELEASE, ALL_SECTIONS);
        byte[] whole = Files.readAllBytes(file);
        Headers headers = new Headers(whole);
        UkiImage image = valid(file);
        long[] cuts = {1, 2, 40, 63, 64, headers.pe + 2, headers.pe + 30, headers.sectionTable + 50,
                image.sections().get(".osrel").offset() + 3, image.sections().get(".linux").offset() + 10,
                image.sections().get(".initrd").offset() + image.sections().get(".initrd").size() - 1,
                headers.symbolTable() + 18, whole.length - 1};
        for (long cut : cuts) {
            Path cutShort = Files.write(dir.resolve("cut-" + cut + ".efi"), Arrays.copyOf(whole, (int) cut));
            assertThat(problem(cutShort)).as("cut at %d", cut).containsAnyOf("truncated", "does not start with MZ");
        }
    }

    @Test
    void aBogusPeHeaderOffset() throws Exception {
        Path file = uki("celadon.efi", OS_RELEASE, ALL_SECTIONS);
        byte[] bytes = Files.readAllBytes(file);

        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(0x3c, 0xfffffff0);
        assertThat(problem(Files.write(file, bytes))).isEqualTo(
                "truncated or corrupt: the PE header at 0xfffffff0 (e_lfanew) ends past the end of the file ("
                        + bytes.length + " bytes)");
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(0x3c, 0x10);
        assertThat(problem(Files.write(file, bytes))).isEqualTo("not a PE file: no PE signature at 0x10 (e_lfanew)");
    }

    @Test
    void tooManySectionsAreRefusedBeforeReadingThem() throws Exception {
        Path file = uki("celadon.efi", OS_RELEASE, ALL_SECTIONS);
        byte[] bytes = Files.readAllBytes(file);
        Headers headers = new Headers(bytes);

        headers.buffer.putShort(headers.pe + 6, (short) 0xffff);
        assertThat(problem(Files.write(file, bytes))).isEqualTo("65535 sections: systemd-boot reads images of 1 to 96");
        headers.buffer.putShort(headers.pe + 6, (short) 0);
        assertThat(problem(Files.write(file, bytes))).isEqualTo("0 sections: systemd-boot reads images of 1 to 96");
    }

    @Test
    void anotherMachineIsRefused() throws Exception {
        Path file = uki("celadon.efi", OS_RELEASE, ALL_SECTIONS);
        byte[] bytes = Files.readAllBytes(file);
        Headers headers = new Headers(bytes);

        headers.buffer.putShort(headers.pe + 4, (short) 0xaa64);
        assertThat(problem(Files.write(file, bytes))).isEqualTo("not an x86-64 EFI image (machine 0xaa64)");
    }

    @Test
    void anOsReleaseSectionPointingPastTheEndIsRefused() throws Exception {
        Path file = uki("celadon.efi", OS_RELEASE, ALL_SECTIONS);
        byte[] bytes = Files.readAllBytes(file);
        Headers headers = new Headers(bytes);
        int osrel = headers.section(".osrel");

        headers.buffer.putInt(osrel + 20, bytes.length + 4096);
        assertThat(problem(Files.write(file, bytes))).startsWith("truncated or corrupt: section .osrel ends at 0x");

        byte[] huge = Files.readAllBytes(uki("huge.efi", OS_RELEASE, ALL_SECTIONS));
        new Headers(huge).buffer.putInt(osrel + 8, Integer.MIN_VALUE); // a 2 GiB VirtualSize
        assertThat(problem(Files.write(file, huge))).startsWith("truncated or corrupt: section .osrel ends at 0x8");
    }

    @Test
    void aSectionSystemdBootWouldMistakeForAnotherIsRefused() throws Exception {
        Path file = uki("celadon.efi", OS_RELEASE, ALL_SECTIONS);
        byte[] bytes = Files.readAllBytes(file);
        Headers headers = new Headers(bytes);

        System.arraycopy(".osrel2\0".getBytes(StandardCharsets.US_ASCII), 0, bytes, headers.section(".cmdline"), 8);
        assertThat(problem(Files.write(file, bytes)))
                .isEqualTo("a section named .osrel2: systemd-boot would read it as .osrel");
        System.arraycopy(".osrel\0\0".getBytes(StandardCharsets.US_ASCII), 0, bytes, headers.section(".osrel2"), 8);
        assertThat(problem(Files.write(file, bytes))).isEqualTo("two sections named .osrel");
    }

    /** Whatever the headers hold, check answers: a problem or an image, never an exception. */
    @Test
    void corruptHeadersNeverThrow() throws Exception {
        byte[] whole = Files.readAllBytes(uki("celadon.efi", OS_RELEASE, ALL_SECTIONS));
        int headerBytes = new Headers(whole).section(".initrd") + 40;
        Random random = new Random(252);
        Path file = dir.resolve("fuzzed.efi");
        for (int n = 0; n < 2000; n++) {
            byte[] bytes = whole.clone();
            for (int flips = 1 + random.nextInt(4); flips > 0; flips--) {
                bytes[random.nextInt(headerBytes)] = (byte) random.nextInt(256);
            }
            Files.write(file, bytes);
            assertThat(UkiImage.check(file)).isNotNull();
        }
    }

    @Test
    void parsesOsReleaseAsOsRelease5() {
        Map<String, String> fields = UkiImage.parseOsRelease("""
                # a comment
                  NAME="Celadon"\r
                PRETTY_NAME="Celadon appliance 0.2 (\\"beta\\" \\\\ \\$HOME \\x)"
                SINGLE='it''s \\ "quoted"'
                PLAIN=a\\ b\\"c
                EMPTY=
                ID=first

                not an assignment
                1BAD=key
                OPEN="never closed
                ID=celadon
                """);

        assertThat(fields).containsExactly(entry("NAME", "Celadon"),
                entry("PRETTY_NAME", "Celadon appliance 0.2 (\"beta\" \\ $HOME \\x)"),
                entry("SINGLE", "its \\ \"quoted\""),
                entry("PLAIN", "a b\"c"), entry("EMPTY", ""), entry("ID", "celadon"));
    }

    /** A unified kernel image with the given sections, in this test's folder ({@link TestUkis#build}). */
    private Path uki(String name, String osRelease, List<String> sections) throws IOException, InterruptedException {
        return TestUkis.build(dir, name, osRelease, sections);
    }

    private static byte[] randomBytes(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private static byte[] bytesAt(Path file, long offset, int length) throws IOException {
        return Arrays.copyOfRange(Files.readAllBytes(file), (int) offset, (int) offset + length);
    }

    private static UkiImage valid(Path file) throws IOException {
        UkiImage.Check check = UkiImage.check(file);
        assertThat(check).isInstanceOf(UkiImage.Valid.class);
        return ((UkiImage.Valid) check).image();
    }

    private static String problem(Path file) throws IOException {
        UkiImage.Check check = UkiImage.check(file);
        assertThat(check).isInstanceOf(UkiImage.Invalid.class);
        return ((UkiImage.Invalid) check).problem();
    }

    /** Where the headers of a PE file are, to corrupt them. */
    private static final class Headers {
        final ByteBuffer buffer;
        final int pe;
        final int sectionTable;

        Headers(byte[] bytes) {
            buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            pe = buffer.getInt(0x3c);
            sectionTable = pe + 24 + Short.toUnsignedInt(buffer.getShort(pe + 20));
        }

        int symbolTable() {
            return buffer.getInt(pe + 12);
        }

        /** The offset of the named section's header. */
        int section(String name) {
            for (int i = 0; i < buffer.getShort(pe + 6); i++) {
                int at = sectionTable + 40 * i;
                String found = new String(buffer.array(), at, 8, StandardCharsets.ISO_8859_1).replace("\0", "");
                if (found.equals(name)) {
                    return at;
                }
            }
            throw new IllegalArgumentException("no section " + name);
        }
    }
}
