package dev.celadon.hypervisor.qemu;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The host files QEMU opens for one disk image: the image, the backing file its qcow2 header names,
 * that file's backing file, and so on, and any external data file. Headers are read in plain Java,
 * not with qemu-img, which would open the very files in question (and spins on a looped chain).
 * Every file an image names must lie in the given dirs, real paths and symlinks resolved; it is
 * checked before it is opened, so a header never makes us read (or block on) a host file either.
 * The format spec is QEMU's {@code docs/interop/qcow2.txt}; the limits are QEMU 7.2's own, and
 * wherever QEMU would guess (a probed format, a protocol name) the chain is refused instead.
 */
final class BackingChain {

    /** Images in one chain as QEMU opens it, top included: real chains are two or three deep. */
    static final int MAX_IMAGES = 16;
    /** QEMU refuses a longer backing file name; data file names are held to the same. */
    static final int MAX_NAME_BYTES = 1023;

    private static final int MAGIC = 0x514649fb; // "QFI\xfb"
    private static final int V2_HEADER_LENGTH = 72;
    private static final int V3_MIN_HEADER_LENGTH = 104;
    private static final int MIN_CLUSTER_BITS = 9;
    private static final int MAX_CLUSTER_BITS = 21;
    private static final int EXT_END = 0;
    private static final int EXT_BACKING_FORMAT = 0xe2792aca;
    private static final int EXT_DATA_FILE = 0x44415441;
    /** QEMU holds the backing format in 16 bytes, its NUL included. */
    private static final int MAX_FORMAT_BYTES = 15;

    /** Why a chain is refused, in words that name the file at fault and what it names. */
    static final class Problem extends Exception {
        Problem(String message) {
            super(message);
        }
    }

    private enum Format { QCOW2, RAW }

    /** What one qcow2 header names. */
    private record Header(Optional<String> backing, Optional<String> backingFormat, Optional<String> dataFile) {
    }

    private BackingChain() {
    }

    /**
     * Walks the chain of {@code image}, whose format is taken from its magic as the launch does:
     * qcow2, or raw (which names no file).
     *
     * @param image     the image by the absolute path QEMU is given: a relative name in its header
     *                  resolves against that path's directory, as QEMU resolves it (not the real path's)
     * @param dirs      real paths of the dirs every file the chain names must lie in; the image itself
     *                  is the caller's to check
     * @param maxImages how many images the chain may hold, the image included
     * @return the real paths of the image, its backing files in order, and their data files, each
     *         after the image that names it
     */
    static List<Path> of(Path image, List<Path> dirs, int maxImages) throws Problem {
        if (!image.isAbsolute()) {
            throw new IllegalArgumentException("not absolute: " + image);
        }
        List<Path> files = new ArrayList<>();
        Set<Path> images = new HashSet<>();
        Path opened = image;
        Path real = topImage(image);
        Format format = hasMagic(real) ? Format.QCOW2 : Format.RAW;
        while (true) {
            files.add(real);
            images.add(real);
            if (format == Format.RAW) {
                return files;
            }
            Header header = read(real);
            if (header.dataFile().isPresent()) {
                files.add(dataFile(real, header.dataFile().get(), dirs));
            }
            if (header.backing().isEmpty()) {
                return files;
            }
            String name = header.backing().get();
            String reference = real + " names backing file '" + name + "'";
            Path next = backingPath(opened, name, reference);
            Path nextReal = confined(next, reference, dirs);
            if (images.contains(nextReal)) {
                throw new Problem(reference + ", which is " + nextReal + ", already in the chain: the chain loops");
            }
            if (images.size() >= maxImages) {
                throw new Problem(reference + ": the chain holds more than " + maxImages + " images");
            }
            format = backingFormat(nextReal, header.backingFormat(), reference);
            opened = next;
            real = nextReal;
        }
    }

    private static Path topImage(Path image) throws Problem {
        Path real;
        try {
            real = image.toRealPath();
        } catch (IOException e) {
            throw new Problem("cannot resolve " + image + ": " + e);
        }
        if (!Files.isRegularFile(real)) {
            throw new Problem(image + " is not a regular file");
        }
        return real;
    }

    /**
     * A relative backing name resolves against the directory of the path its image was opened by
     * (QEMU's bdrv_dirname: the name as given, not the real path). A name with a protocol prefix
     * would not be a file at all: QEMU reads {@code json:}, {@code nbd:}, {@code http:} and the like
     * as block driver options.
     */
    private static Path backingPath(Path opened, String name, String reference) throws Problem {
        if (hasProtocol(name)) {
            throw new Problem(reference + ", which is not a plain file name: QEMU would read '"
                    + name.substring(0, name.indexOf(':') + 1) + "' as a protocol");
        }
        try {
            Path path = Path.of(name);
            return path.isAbsolute() ? path : opened.getParent().resolve(path);
        } catch (InvalidPathException e) {
            throw new Problem(reference + ", which is not a valid path: " + e.getMessage());
        }
    }

    /**
     * An external data file is opened by its name as it stands: a relative one against QEMU's
     * working directory, not the image's, so only an absolute one has one meaning.
     */
    private static Path dataFile(Path image, String name, List<Path> dirs) throws Problem {
        String reference = image + " names external data file '" + name + "'";
        if (hasProtocol(name)) {
            throw new Problem(reference + ", which is not a plain file name: QEMU would read '"
                    + name.substring(0, name.indexOf(':') + 1) + "' as a protocol");
        }
        Path path;
        try {
            path = Path.of(name);
        } catch (InvalidPathException e) {
            throw new Problem(reference + ", which is not a valid path: " + e.getMessage());
        }
        if (!path.isAbsolute()) {
            throw new Problem(reference + ", which is relative: QEMU resolves it against its working "
                    + "directory, not the image's; name it by its absolute path");
        }
        return confined(path, reference, dirs);
    }

    /** QEMU's path_has_protocol: a colon before the first slash. */
    private static boolean hasProtocol(String name) {
        int colon = name.indexOf(':');
        int slash = name.indexOf('/');
        return colon >= 0 && (slash < 0 || colon < slash);
    }

    /** The real path of a named file, if it lies in the dirs and is a regular file; checked before it is ever opened. */
    private static Path confined(Path path, String reference, List<Path> dirs) throws Problem {
        Path real;
        try {
            real = path.toRealPath();
        } catch (NoSuchFileException e) {
            throw new Problem(reference + ", which does not exist");
        } catch (IOException e) {
            throw new Problem(reference + ", which cannot be resolved: " + e);
        }
        if (dirs.stream().noneMatch(real::startsWith)) {
            throw new Problem(reference + ", which resolves to " + real + ", outside the images dirs " + dirs);
        }
        if (!Files.isRegularFile(real)) {
            throw new Problem(reference + ", which is not a regular file");
        }
        return real;
    }

    /**
     * The format QEMU opens a backing file with: the one the header names, else a probe. Only
     * qcow2 (read here) and raw (which names nothing) are let through; a probe is trusted only for
     * a qcow2 magic, since a file without one could be probed as VMDK, whose descriptor names extents
     * anywhere on the host.
     */
    private static Format backingFormat(Path file, Optional<String> named, String reference) throws Problem {
        if (named.isEmpty()) {
            if (hasMagic(file)) {
                return Format.QCOW2;
            }
            throw new Problem(reference + " with no backing format, and it is not qcow2: QEMU would probe its "
                    + "format; name it (qemu-img rebase -u -F raw)");
        }
        return switch (named.get()) {
            case "qcow2" -> {
                if (!hasMagic(file)) {
                    throw new Problem(reference + " as qcow2, which it is not");
                }
                yield Format.QCOW2;
            }
            case "raw" -> Format.RAW;
            default -> throw new Problem(reference + " as format '" + named.get() + "': only qcow2 and raw are allowed");
        };
    }

    private static boolean hasMagic(Path file) throws Problem {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer magic = ByteBuffer.allocate(4);
            while (magic.hasRemaining() && channel.read(magic) >= 0) {
                // read until full or at the end
            }
            return !magic.hasRemaining() && magic.getInt(0) == MAGIC;
        } catch (IOException e) {
            throw new Problem("cannot read " + file + ": " + e);
        }
    }

    /**
     * Reads the header, its extensions and the backing file name. They all lie in the first cluster,
     * so the first 2 MiB (the largest cluster) is all that is read. Every offset is checked against
     * what was read before it is used.
     */
    private static Header read(Path file) throws Problem {
        ByteBuffer head;
        long size;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            size = channel.size();
            head = ByteBuffer.allocate((int) Math.min(size, 1L << MAX_CLUSTER_BITS));
            while (head.hasRemaining() && channel.read(head) >= 0) {
                // read until full or at the end
            }
            head.flip();
        } catch (IOException e) {
            throw new Problem("cannot read " + file + ": " + e);
        }
        Fields fields = new Fields(file, head);
        long version = fields.u32(4, "version");
        if (version != 2 && version != 3) {
            throw new Problem(file + " is qcow2 version " + version + ": only versions 2 and 3 are opened");
        }
        long backingOffset = fields.u64(8, "backing file offset");
        long backingSize = fields.u32(16, "backing file size");
        long clusterBits = fields.u32(20, "cluster bits");
        if (clusterBits < MIN_CLUSTER_BITS || clusterBits > MAX_CLUSTER_BITS) {
            throw new Problem(file + " has a cluster size of 2^" + clusterBits + " bytes: QEMU takes 2^"
                    + MIN_CLUSTER_BITS + " to 2^" + MAX_CLUSTER_BITS);
        }
        long clusterSize = 1L << clusterBits;
        long headerLength = V2_HEADER_LENGTH;
        if (version == 3) {
            headerLength = fields.u32(100, "header length");
            if (headerLength < V3_MIN_HEADER_LENGTH || headerLength > clusterSize) {
                throw new Problem(file + " has a header length of " + headerLength + " bytes: a version 3 header has "
                        + V3_MIN_HEADER_LENGTH + " bytes to one cluster (" + clusterSize + ")");
            }
        }
        fields.require(0, headerLength, "header");
        if (backingOffset < 0 || backingOffset > clusterSize) {
            throw new Problem(file + " has its backing file name at byte " + Long.toUnsignedString(backingOffset)
                    + ", beyond its first cluster (" + clusterSize + " bytes)");
        }
        // The extensions end where the backing file name starts, else with the first cluster.
        long extensionsEnd = backingOffset != 0 ? backingOffset : clusterSize;
        Optional<String> backingFormat = Optional.empty();
        Optional<String> dataFile = Optional.empty();
        long offset = headerLength;
        while (offset < extensionsEnd) {
            if (extensionsEnd - offset < 8) {
                throw new Problem(file + " has a header extension at byte " + offset + " that runs past the header area ("
                        + extensionsEnd + " bytes)");
            }
            long type = fields.u32(offset, "header extension type");
            long length = fields.u32(offset + 4, "header extension length");
            long data = offset + 8;
            if (length > extensionsEnd - data) {
                throw new Problem(file + " has a header extension of " + length + " bytes at byte " + offset
                        + " that runs past the header area (" + extensionsEnd + " bytes)");
            }
            if (type == EXT_END) {
                break;
            }
            if (type == Integer.toUnsignedLong(EXT_BACKING_FORMAT)) {
                if (backingFormat.isPresent()) {
                    throw new Problem(file + " names its backing format twice");
                }
                if (length > MAX_FORMAT_BYTES) {
                    throw new Problem(file + " has a backing format name of " + length + " bytes: QEMU takes at most "
                            + MAX_FORMAT_BYTES);
                }
                backingFormat = Optional.of(fields.name(data, length, "backing format"));
            } else if (type == Integer.toUnsignedLong(EXT_DATA_FILE)) {
                if (dataFile.isPresent()) {
                    throw new Problem(file + " names an external data file twice");
                }
                if (length > MAX_NAME_BYTES) {
                    throw new Problem(file + " has an external data file name of " + length + " bytes: at most "
                            + MAX_NAME_BYTES + " are allowed");
                }
                dataFile = Optional.of(fields.name(data, length, "external data file name"));
            }
            offset = data + ((length + 7) & ~7L);
        }
        Optional<String> backing = Optional.empty();
        if (backingOffset != 0) {
            if (backingSize > Math.min(MAX_NAME_BYTES, clusterSize - backingOffset)) {
                throw new Problem(file + " has a backing file name of " + backingSize + " bytes at byte " + backingOffset
                        + ": QEMU takes at most " + MAX_NAME_BYTES + ", within the first cluster");
            }
            String name = fields.name(backingOffset, backingSize, "backing file name");
            // An empty name is no backing file, to QEMU as here.
            backing = name.isEmpty() ? Optional.empty() : Optional.of(name);
        }
        return new Header(backing, backingFormat, dataFile);
    }

    /** Big-endian fields of a header, each checked to lie within the bytes read. */
    private record Fields(Path file, ByteBuffer bytes) {

        void require(long offset, long length, String what) throws Problem {
            if (offset < 0 || length < 0 || offset + length > bytes.limit()) {
                throw new Problem(file + " is truncated: its " + what + " (bytes " + offset + " to " + (offset + length)
                        + ") lies beyond the end of the file (" + bytes.limit() + " bytes read)");
            }
        }

        long u32(long offset, String what) throws Problem {
            require(offset, 4, what);
            return Integer.toUnsignedLong(bytes.getInt((int) offset));
        }

        /** A 64-bit field; a value of 2^63 or more comes out negative, and callers refuse it. */
        long u64(long offset, String what) throws Problem {
            require(offset, 8, what);
            return bytes.getLong((int) offset);
        }

        /**
         * A file or format name as QEMU would use it: bytes of the host's file name encoding that this
         * JVM turns back into the very same bytes, so the path checked is the path QEMU opens. QEMU
         * stops a name at a NUL; such a name is refused rather than cut.
         */
        String name(long offset, long length, String what) throws Problem {
            require(offset, length, what);
            byte[] raw = new byte[(int) length];
            bytes.get((int) offset, raw);
            for (byte b : raw) {
                if (b == 0) {
                    throw new Problem(file + " has a " + what + " with a NUL byte in it");
                }
            }
            Charset charset = hostCharset();
            try {
                CharBuffer chars = charset.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(raw));
                String name = chars.toString();
                if (!Arrays.equals(name.getBytes(charset), raw)) {
                    throw new CharacterCodingException();
                }
                return name;
            } catch (CharacterCodingException e) {
                throw new Problem(file + " has a " + what + " that is not " + charset + " text");
            }
        }
    }

    /** The charset this JVM turns file names into bytes with. */
    private static Charset hostCharset() {
        try {
            return Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8"));
        } catch (IllegalArgumentException e) {
            return StandardCharsets.UTF_8;
        }
    }
}
