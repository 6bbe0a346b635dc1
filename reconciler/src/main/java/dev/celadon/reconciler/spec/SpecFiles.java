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
 * The files of the repository a spec may name besides itself: a cloud-init {@code userDataFile}. Whoever
 * can commit chooses the path, so it is confined like a spec file: relative to the folder of the spec that
 * names it, never leaving the repository (the nearest folder at or above the spec folder that holds
 * {@code .git}; the spec folder itself when none does), never through a symbolic link or a hidden name
 * (such as {@code .git}), a regular file of bounded size in UTF-8.
 */
interface SpecFiles {

    /** A file read: its name relative to the spec folder ({@code ../} where it lies outside), as errors show it, and its text. */
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

    /** The files of the repository that holds {@code specDir}, the spec folder. */
    static SpecFiles folder(Path specDir) {
        Path specs = specDir.toAbsolutePath().normalize();
        Path root = repositoryOf(specs);
        Path specsInRoot = root.relativize(specs);
        return (specFile, path, maxBytes) -> {
            Path inRoot = confined(specsInRoot, specFile, path);
            String name = specs.relativize(root.resolve(inRoot)).toString().replace('\\', '/');
            Path file = root;
            for (Path segment : inRoot) {
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
                throw new Refused("no such file \"" + name + "\" (the path is relative to the spec's own folder)");
            } catch (CharacterCodingException e) {
                throw new Refused("\"" + path + "\" is not valid UTF-8 text");
            } catch (IOException e) {
                throw new Refused("\"" + path + "\" cannot be read: " + e.getMessage());
            }
        };
    }

    /**
     * The repository that holds the spec folder: the nearest folder at or above it with a {@code .git}
     * entry (the reconciler's clone, or the operator's work tree for {@code validate}); without one, the
     * spec folder itself, so that nothing outside it is ever read.
     */
    private static Path repositoryOf(Path specs) {
        for (Path folder = specs; folder != null; folder = folder.getParent()) {
            if (Files.exists(folder.resolve(".git"), LinkOption.NOFOLLOW_LINKS)) {
                return folder;
            }
        }
        return specs;
    }

    /**
     * The path relative to the repository, if its form keeps it inside and visible. {@code specsInRoot}
     * is the spec folder's own place in the repository; its names are not the committer's choice.
     */
    private static Path confined(Path specsInRoot, String specFile, String path) throws Refused {
        String problem = null;
        if (path.isEmpty()) {
            problem = "it is empty";
        } else if (path.startsWith("/")) {
            problem = "it is absolute; use a path relative to the spec's own folder";
        } else if (PathRules.hasControlCharacter(path) || path.indexOf('\\') >= 0) {
            problem = "it contains a control character or a backslash";
        }
        if (problem == null) {
            Path parent = specsInRoot.resolve(specFile).getParent();
            Path normal = (parent == null ? Path.of(path) : parent.resolve(path)).normalize();
            if (normal.toString().isEmpty() || normal.startsWith("..")) {
                problem = "it leaves the repository";
            } else if (inside(specsInRoot, normal) && SpecLoader.isSpecName(normal)) {
                problem = "every .yaml and .yml file of the spec folder is read as partition specs; name it otherwise, e.g. web.user-data";
            } else {
                problem = hiddenSegment(specsInRoot, normal);
            }
            if (problem == null) {
                return normal;
            }
        }
        throw new Refused("invalid path \"" + path + "\": " + problem);
    }

    private static boolean inside(Path folder, Path file) {
        return folder.toString().isEmpty() || file.startsWith(folder);
    }

    /** A hidden name on the way to {@code file}, past the names it shares with the spec folder's own path. */
    private static String hiddenSegment(Path specsInRoot, Path file) {
        int shared = 0;
        while (shared < Math.min(specsInRoot.getNameCount(), file.getNameCount() - 1)
                && specsInRoot.getName(shared).equals(file.getName(shared))) {
            shared++;
        }
        for (int i = shared; i < file.getNameCount(); i++) {
            if (file.getName(i).toString().startsWith(".")) {
                return "it names a hidden file or folder (" + file.getName(i) + "), which specs never read";
            }
        }
        return null;
    }

    private static String tooLarge(String path, long size, int maxBytes) {
        return String.format(Locale.ROOT, "\"%s\" has %,d bytes; at most %,d (%s)", path, size, maxBytes, Quantities.format(maxBytes));
    }
}
