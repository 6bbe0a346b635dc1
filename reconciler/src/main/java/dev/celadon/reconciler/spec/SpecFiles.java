package dev.celadon.reconciler.spec;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Locale;

/**
 * The files of the spec folder a spec may name besides itself: a cloud-init {@code userDataFile}. Whoever
 * can commit chooses the path, so it is confined like a spec file: relative to the folder of the spec that
 * names it, never leaving the spec folder, never through a symbolic link or a hidden name (such as
 * {@code .git}), a regular file of bounded size in UTF-8.
 */
interface SpecFiles {

    /** A file read: its name relative to the spec folder, as errors show it, and its text. */
    record Text(String name, String text) {
    }

    /** Why a file was not read, in words for the committer. */
    final class Refused extends Exception {
        Refused(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Reads {@code path}, relative to the folder of the spec file {@code specFile} (a name relative to the
     * spec folder), of at most {@code maxBytes}.
     */
    Text read(String specFile, String path, int maxBytes) throws Refused;

    /** Specs given as content have no folder: nothing can be read besides them. */
    SpecFiles NONE = (specFile, path, maxBytes) -> {
        throw new Refused("specs given as content have no folder to read \"" + path + "\" from");
    };

    /** The files under {@code root}, the spec folder. */
    static SpecFiles folder(Path root) {
        return (specFile, path, maxBytes) -> {
            String name = confined(specFile, path);
            Path file = root;
            for (String segment : name.split("/")) {
                file = file.resolve(segment);
                if (Files.isSymbolicLink(file)) {
                    throw new Refused("\"" + path + "\" goes through a symbolic link (" + segment + "); commit the file itself");
                }
            }
            try {
                BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                if (!attributes.isRegularFile()) {
                    throw new Refused("\"" + path + "\" is not a file");
                }
                // The clone is the reconciler's own: nothing writes to it between the size and the read.
                if (attributes.size() > maxBytes) {
                    throw new Refused(tooLarge(path, attributes.size(), maxBytes));
                }
                byte[] bytes = Files.readAllBytes(file);
                if (bytes.length > maxBytes) {
                    throw new Refused(tooLarge(path, bytes.length, maxBytes));
                }
                return new Text(name, StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString());
            } catch (NoSuchFileException e) {
                throw new Refused("no such file \"" + name + "\" in the spec folder (the path is relative to the spec's own folder)");
            } catch (CharacterCodingException e) {
                throw new Refused("\"" + path + "\" is not valid UTF-8 text");
            } catch (IOException e) {
                throw new Refused("\"" + path + "\" cannot be read: " + e.getMessage());
            }
        };
    }

    /** The path's name relative to the spec folder, if its form keeps it inside and visible. */
    private static String confined(String specFile, String path) throws Refused {
        String problem = null;
        if (path.isEmpty()) {
            problem = "it is empty";
        } else if (path.startsWith("/")) {
            problem = "it is absolute; use a path relative to the spec's own folder";
        } else if (PathRules.hasControlCharacter(path) || path.indexOf('\\') >= 0) {
            problem = "it contains a control character or a backslash";
        } else if (SpecLoader.isSpecName(Path.of(path))) {
            problem = "every .yaml and .yml file of the spec folder is read as partition specs; name it otherwise, e.g. web.user-data";
        }
        if (problem == null) {
            Path parent = Path.of(specFile).getParent();
            Path normal = (parent == null ? Path.of(path) : parent.resolve(path)).normalize();
            if (normal.toString().isEmpty() || normal.startsWith("..")) {
                problem = "it leaves the spec folder";
            } else {
                for (Path segment : normal) {
                    if (segment.toString().startsWith(".")) {
                        problem = "it names a hidden file or folder (" + segment + "), which specs never read";
                        break;
                    }
                }
            }
            if (problem == null) {
                return normal.toString();
            }
        }
        throw new Refused("invalid path \"" + path + "\": " + problem);
    }

    private static String tooLarge(String path, long size, int maxBytes) {
        return String.format(Locale.ROOT, "\"%s\" has %,d bytes; at most %,d (%s)", path, size, maxBytes, Quantities.format(maxBytes));
    }
}
