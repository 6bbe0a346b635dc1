package dev.celadon.reconciler.upgrade;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A unified kernel image (systemd's EFI stub with {@code .osrel}, {@code .cmdline}, {@code .linux} and
 * {@code .initrd} sections added), checked as a downloaded file may need: only its headers and its
 * {@code .osrel} are read, with positional reads bounded whatever the headers claim, and a corrupt file is a
 * {@link Invalid} naming what is wrong, never an exception.
 *
 * <p>The PE/COFF headers are read as systemd-boot 252 reads them ({@code pe_file_locate_sections} in
 * src/boot/efi/pe.c), so an image accepted here is one it lists: an x86-64 image with 1 to 96 sections
 * and a PE32 or PE32+ optional header; a section is found by name prefix ({@code .osrelx} is read as
 * {@code .osrel}) at its PointerToRawData, VirtualSize bytes long. A valid image's os-release has
 * {@code ID=celadon} and a {@code VERSION_ID} that can name a {@link BootEntry}, and systemd-boot reads
 * the fields it sorts by as os-release(5) does, so it sorts this image under {@code celadon} by
 * {@code VERSION_ID}.
 */
public final class UkiImage {

    /** A section: where its bytes start in the file (PointerToRawData) and how many it has (VirtualSize). */
    public record Section(String name, long offset, long size) {
    }

    /** What {@link #check} found. */
    public sealed interface Check {
    }

    /** A unified kernel image Celadon can boot. */
    public record Valid(UkiImage image) implements Check {
    }

    /** Not one, and why, in words for the operator (without the file's name, which the caller has). */
    public record Invalid(String problem) implements Check {
    }

    /** The most {@code .osrel} bytes read: os-release files are a few hundred bytes. */
    static final int MAX_OS_RELEASE = 64 * 1024;

    private static final int DOS_HEADER_SIZE = 64;
    private static final int E_LFANEW = 0x3c;
    private static final int COFF_HEADER_SIZE = 20;
    /** The PE signature, the COFF header and the optional header's fields up to DllCharacteristics. */
    private static final int PE_HEADER_SIZE = 4 + COFF_HEADER_SIZE + 72;
    private static final int MACHINE_X86_64 = 0x8664;
    private static final int MAX_SECTIONS = 96;
    private static final int PE32 = 0x10b;
    private static final int PE32_PLUS = 0x20b;
    private static final int SECTION_HEADER_SIZE = 40;
    private static final int COFF_SYMBOL_SIZE = 18;
    /** The sections systemd-boot and its stub look up (src/fundamental/tpm-pcr.c), each by name prefix. */
    private static final List<String> UNIFIED_SECTIONS =
            List.of(".linux", ".osrel", ".cmdline", ".initrd", ".splash", ".dtb", ".pcrsig", ".pcrpkey");
    private static final List<String> REQUIRED_SECTIONS = List.of(".linux", ".initrd", ".osrel");
    /** The os-release fields systemd-boot 252 sorts entries by (bootspec_pick_name_version_sort_key). */
    private static final List<String> SORTED_BY = List.of("ID", "IMAGE_ID", "VERSION_ID", "VERSION", "IMAGE_VERSION");
    private static final String CELADON = "celadon";
    private static final Pattern KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern LINES = Pattern.compile("[\r\n]");

    private final Path path;
    private final Map<String, Section> sections;
    private final Map<String, String> osRelease;

    private UkiImage(Path path, Map<String, Section> sections, Map<String, String> osRelease) {
        this.path = path;
        this.sections = Collections.unmodifiableMap(sections);
        this.osRelease = Collections.unmodifiableMap(osRelease);
    }

    /**
     * Checks {@code file}, reading at most its headers and 64 KiB of {@code .osrel}.
     *
     * @throws IOException only when the file cannot be read, never for what it holds
     */
    public static Check check(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            try {
                return new Valid(read(file, new Reader(channel)));
            } catch (Problem problem) {
                return new Invalid(problem.getMessage());
            }
        }
    }

    public Path path() {
        return path;
    }

    /** The sections by name, in the order of the section table. */
    public Map<String, Section> sections() {
        return sections;
    }

    /** The embedded os-release, per os-release(5), in the order of its lines. */
    public Map<String, String> osRelease() {
        return osRelease;
    }

    /** The os-release {@code VERSION_ID}: the version systemd-boot sorts this image by. */
    public String versionId() {
        return osRelease.get("VERSION_ID");
    }

    private static UkiImage read(Path file, Reader reader) throws IOException, Problem {
        long size = reader.size;
        if (size == 0) {
            throw new Problem("not a PE file: it is empty");
        }
        ByteBuffer dos = reader.read(0, (int) Math.min(size, DOS_HEADER_SIZE));
        if (dos.limit() < 2 || dos.get(0) != 'M' || dos.get(1) != 'Z') {
            throw new Problem("not a PE file: it does not start with MZ");
        }
        if (dos.limit() < DOS_HEADER_SIZE) {
            throw new Problem("truncated: " + size + " bytes, less than a DOS header");
        }
        long peOffset = Integer.toUnsignedLong(dos.getInt(E_LFANEW));
        if (peOffset + PE_HEADER_SIZE > size) {
            throw new Problem(String.format("truncated or corrupt: the PE header at 0x%x (e_lfanew) ends past the "
                    + "end of the file (%d bytes)", peOffset, size));
        }
        ByteBuffer pe = reader.read(peOffset, PE_HEADER_SIZE);
        if (pe.getInt(0) != 0x00004550) { // "PE\0\0", little-endian
            throw new Problem(String.format("not a PE file: no PE signature at 0x%x (e_lfanew)", peOffset));
        }
        int machine = Short.toUnsignedInt(pe.getShort(4));
        int sectionCount = Short.toUnsignedInt(pe.getShort(6));
        long symbolTable = Integer.toUnsignedLong(pe.getInt(12));
        long symbolCount = Integer.toUnsignedLong(pe.getInt(16));
        int optionalHeaderSize = Short.toUnsignedInt(pe.getShort(20));
        int optionalMagic = Short.toUnsignedInt(pe.getShort(4 + COFF_HEADER_SIZE));
        if (machine != MACHINE_X86_64) {
            throw new Problem(String.format("not an x86-64 EFI image (machine 0x%04x)", machine));
        }
        if (sectionCount == 0 || sectionCount > MAX_SECTIONS) {
            throw new Problem(sectionCount + " sections: systemd-boot reads images of 1 to " + MAX_SECTIONS);
        }
        if (optionalMagic != PE32 && optionalMagic != PE32_PLUS) {
            throw new Problem(String.format("not a PE image: optional header magic 0x%x", optionalMagic));
        }
        long tableOffset = peOffset + 4 + COFF_HEADER_SIZE + optionalHeaderSize;
        long tableEnd = tableOffset + (long) sectionCount * SECTION_HEADER_SIZE;
        if (tableEnd > size) {
            throw new Problem(String.format("truncated: the section table ends at 0x%x, past the end of the file "
                    + "(%d bytes)", tableEnd, size));
        }
        Map<String, Section> sections = sections(reader.read(tableOffset, (int) (tableEnd - tableOffset)), size);
        symbolTableFits(reader, symbolTable, symbolCount);
        for (String name : REQUIRED_SECTIONS) {
            Section section = sections.get(name);
            if (section == null || section.size() == 0) {
                throw new Problem("not a unified kernel image: " + (section == null ? "no " : "an empty ") + name
                        + " section");
            }
        }
        String text = osReleaseText(reader, sections.get(".osrel"));
        Map<String, String> osRelease = parseOsRelease(text);
        readAlikeBySystemdBoot(osRelease, text);
        sortedAsCeladon(osRelease);
        return new UkiImage(file, sections, osRelease);
    }

    /** The section table's entries, each checked to lie within the file. */
    private static Map<String, Section> sections(ByteBuffer table, long fileSize) throws Problem {
        Map<String, Section> sections = new LinkedHashMap<>();
        for (int at = 0; at < table.limit(); at += SECTION_HEADER_SIZE) {
            String name = sectionName(table, at);
            long virtualSize = Integer.toUnsignedLong(table.getInt(at + 8));
            long rawSize = Integer.toUnsignedLong(table.getInt(at + 16));
            long offset = Integer.toUnsignedLong(table.getInt(at + 20));
            if (sections.containsKey(name)) {
                throw new Problem("two sections named " + name);
            }
            for (String unified : UNIFIED_SECTIONS) {
                if (name.startsWith(unified) && !name.equals(unified)) {
                    throw new Problem("a section named " + name + ": systemd-boot would read it as " + unified);
                }
            }
            // The loader copies SizeOfRawData bytes; systemd-boot reads a unified section's VirtualSize bytes.
            long extent = UNIFIED_SECTIONS.contains(name) ? Math.max(rawSize, virtualSize) : rawSize;
            long end = offset + extent;
            if (extent > 0 && end > fileSize) {
                throw new Problem(String.format("truncated or corrupt: section %s ends at 0x%x, past the end of the "
                        + "file (%d bytes)", name, end, fileSize));
            }
            sections.put(name, new Section(name, offset, virtualSize));
        }
        return sections;
    }

    /** Up to 8 bytes, NUL-padded; bytes as Latin-1 so that any name decodes. */
    private static String sectionName(ByteBuffer table, int at) {
        int length = 0;
        while (length < 8 && table.get(at + length) != 0) {
            length++;
        }
        byte[] name = new byte[length];
        table.get(at, name);
        return new String(name, StandardCharsets.ISO_8859_1);
    }

    /**
     * The COFF symbols and their string table, which objcopy writes after the last section: a file cut
     * short there has all its sections yet is not the image built.
     */
    private static void symbolTableFits(Reader reader, long offset, long count) throws IOException, Problem {
        if (offset == 0) {
            return;
        }
        long stringTable = offset + count * COFF_SYMBOL_SIZE;
        long end = stringTable + 4;
        if (end <= reader.size) {
            end = stringTable + Integer.toUnsignedLong(reader.read(stringTable, 4).getInt(0));
        }
        if (end > reader.size) {
            throw new Problem(String.format("truncated: the COFF symbol table ends at 0x%x, past the end of the file "
                    + "(%d bytes)", end, reader.size));
        }
    }

    private static String osReleaseText(Reader reader, Section osrel) throws IOException, Problem {
        if (osrel.size() > MAX_OS_RELEASE) {
            throw new Problem("the .osrel section is " + osrel.size() + " bytes; an os-release file is at most "
                    + MAX_OS_RELEASE);
        }
        ByteBuffer bytes = reader.read(osrel.offset(), (int) osrel.size());
        // systemd-boot reads the section as a C string: nothing after a NUL counts.
        int length = 0;
        while (length < bytes.limit() && bytes.get(length) != 0) {
            length++;
        }
        byte[] content = new byte[length];
        bytes.get(0, content);
        return new String(content, StandardCharsets.UTF_8);
    }

    /** Refuses an os-release that systemd-boot would not sort as a Celadon image of its VERSION_ID. */
    private static void sortedAsCeladon(Map<String, String> fields) throws Problem {
        String id = fields.get("ID");
        if (!CELADON.equals(id)) {
            throw new Problem(id == null ? "its os-release has no ID"
                    : "its os-release ID is " + id + ", not " + CELADON);
        }
        String imageId = fields.get("IMAGE_ID");
        if (imageId != null && !imageId.equals(CELADON)) {
            throw new Problem("its os-release IMAGE_ID is " + imageId + ": systemd-boot would sort it apart from "
                    + CELADON + " images");
        }
        String versionId = fields.get("VERSION_ID");
        if (versionId == null || versionId.isEmpty()) {
            throw new Problem("its os-release has no VERSION_ID");
        }
        if (!BootEntry.isValidVersion(versionId)) {
            throw new Problem("its os-release VERSION_ID " + versionId + " cannot name a boot entry: it must "
                    + "be an ASCII letter or digit, then those and ~ - ^ .");
        }
        // systemd-boot sorts by IMAGE_VERSION, else VERSION, else VERSION_ID.
        String sortedBy = fields.getOrDefault("IMAGE_VERSION", fields.getOrDefault("VERSION", versionId));
        if (!sortedBy.equals(versionId)) {
            throw new Problem("its os-release VERSION_ID is " + versionId + " but systemd-boot would sort it as "
                    + sortedBy + " (its IMAGE_VERSION, else VERSION)");
        }
    }

    /**
     * Refuses an os-release whose fields systemd-boot 252 sorts by read otherwise there: its parser
     * ({@code line_get_key_value} in src/boot/efi/boot.c) strips only double quotes and decodes no escapes,
     * so {@code ID='celadon'} would be another sort key to it.
     */
    private static void readAlikeBySystemdBoot(Map<String, String> fields, String text) throws Problem {
        Map<String, String> systemdBoot = parseAsSystemdBoot(text);
        for (String key : SORTED_BY) {
            if (!Objects.equals(fields.get(key), systemdBoot.get(key))) {
                throw new Problem("its os-release " + key + " is " + shown(fields.get(key)) + " but systemd-boot 252 "
                        + "reads " + shown(systemdBoot.get(key))
                        + " (it strips only double quotes and decodes no escapes)");
            }
        }
    }

    private static String shown(String value) {
        return value == null ? "unset" : value;
    }

    /**
     * An os-release file as os-release(5) has it: {@code KEY=VALUE} lines, blank lines and {@code #}
     * comments ignored, values shell-quoted or not (in {@code "…"} a backslash escapes {@code " \ $ `};
     * {@code '…'} is literal; unquoted, a backslash escapes any character). A line that is not an
     * assignment, or leaves a quote open, is skipped; a later assignment of a key replaces an earlier one.
     */
    static Map<String, String> parseOsRelease(String text) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (String line : LINES.split(text)) {
            line = line.strip();
            int equals = line.indexOf('=');
            if (line.startsWith("#") || equals < 0 || !KEY.matcher(line.substring(0, equals)).matches()) {
                continue;
            }
            String value = unquote(line.substring(equals + 1));
            if (value != null) {
                fields.put(line.substring(0, equals), value);
            }
        }
        return fields;
    }

    /** The shell word {@code raw} stands for, or null when a quote is left open or a backslash ends it. */
    private static String unquote(String raw) {
        StringBuilder value = new StringBuilder();
        char quote = 0;
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (quote == '\'') {
                if (c == '\'') {
                    quote = 0;
                } else {
                    value.append(c);
                }
            } else if (c == '\\') {
                if (++i == raw.length()) {
                    return null;
                }
                char escaped = raw.charAt(i);
                // Within double quotes a backslash before anything else is itself.
                if (quote == '"' && "\"\\$`".indexOf(escaped) < 0) {
                    value.append(c);
                }
                value.append(escaped);
            } else if (quote == '"') {
                if (c == '"') {
                    quote = 0;
                } else {
                    value.append(c);
                }
            } else if (c == '"' || c == '\'') {
                quote = c;
            } else {
                value.append(c);
            }
        }
        return quote == 0 ? value.toString() : null;
    }

    /**
     * An os-release file as systemd-boot 252 reads it: lines trimmed of spaces and tabs, {@code #} lines
     * skipped, the key up to the first {@code =}, the value after the run of {@code =}, and double quotes
     * around the value dropped when it starts with one and the line ends with one.
     */
    private static Map<String, String> parseAsSystemdBoot(String text) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (String line : LINES.split(text)) {
            line = line.replaceAll("^[ \t]+|[ \t]+$", "");
            int equals = line.indexOf('=');
            if (line.startsWith("#") || equals < 0) {
                continue;
            }
            int start = equals;
            while (start < line.length() && line.charAt(start) == '=') {
                start++;
            }
            String value = line.substring(start);
            if (value.startsWith("\"") && line.endsWith("\"")) {
                value = value.length() == 1 ? "" : value.substring(1, value.length() - 1);
            }
            fields.put(line.substring(0, equals), value);
        }
        return fields;
    }

    /** A file's bytes at positions, never more than asked and never past its size. */
    private static final class Reader {
        final FileChannel channel;
        final long size;

        Reader(FileChannel channel) throws IOException {
            this.channel = channel;
            this.size = channel.size();
        }

        /** {@code length} bytes at {@code position}, little-endian; fewer only when the file shrank meanwhile. */
        ByteBuffer read(long position, int length) throws IOException, Problem {
            ByteBuffer buffer = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
            while (buffer.hasRemaining()) {
                if (channel.read(buffer, position + buffer.position()) < 0) {
                    throw new Problem("truncated: the file ended while being read");
                }
            }
            return buffer.flip();
        }
    }

    /** What makes a file no unified kernel image; caught in {@link #check}, never thrown out of it. */
    private static final class Problem extends Exception {
        Problem(String message) {
            super(message, null, false, false);
        }
    }
}
