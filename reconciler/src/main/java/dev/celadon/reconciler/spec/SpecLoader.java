package dev.celadon.reconciler.spec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.FileVisitResult;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Loads a revision's specs, partitions and Appliance documents: every {@code *.yaml} and {@code *.yml}
 * file of a folder, each holding one or more documents. Nothing stops at the first error: every problem
 * of every file is collected, so one push shows the committer everything to fix, up to the {@link InputLimits}.
 *
 * <p>Checks that span documents happen in {@link Revision}: partition names are unique in the
 * revision, Appliance documents' names too, and so are forwarded host ports, which all bind on the
 * appliance's loopback.
 */
public final class SpecLoader {

    private SpecLoader() {
    }

    /**
     * Loads every spec file under {@code dir}, recursively. Error file names are relative to
     * {@code dir} with forward slashes. Hidden files and folders (a name starting with {@code .})
     * are skipped; symbolic links are reported and never followed, since a committed link could
     * point at any file of the appliance. Files are read one at a time, each size checked against
     * {@link InputLimits} before it is read.
     *
     * @throws IOException when {@code dir} itself cannot be listed
     */
    public static SpecSet load(Path dir, SpecRules rules) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new NoSuchFileException(dir.toString(), null, "not a directory");
        }
        Revision revision = new Revision(rules, SpecFiles.folder(dir));
        for (Path path : specFiles(dir, revision)) {
            if (revision.stopped()) {
                break;
            }
            String name = relativeName(dir, path);
            if (Files.isSymbolicLink(path)) {
                revision.reject(name, "is a symbolic link; spec files and folders must be committed as themselves");
                continue;
            }
            try {
                // The clone is the reconciler's own: nothing writes to it between the size and the read.
                if (revision.admit(name, Files.size(path))) {
                    revision.read(name, Files.readAllBytes(path));
                }
            } catch (IOException e) {
                revision.reject(name, "cannot be read: " + e.getMessage());
            }
        }
        return revision.result();
    }

    /**
     * Parses spec files given as content, e.g. straight from a Git tree or in tests, under the same
     * limits as {@link #load}, their sizes counted in UTF-8. Without a folder, a spec that names another
     * file (a cloud-init {@code userDataFile}) is an error.
     *
     * @param files file name (as it should appear in errors) → content
     */
    public static SpecSet parse(Map<String, String> files, SpecRules rules) {
        Revision revision = new Revision(rules, SpecFiles.NONE);
        for (Map.Entry<String, String> file : new TreeMap<>(files).entrySet()) {
            if (revision.stopped()) {
                break;
            }
            byte[] content = file.getValue().getBytes(StandardCharsets.UTF_8);
            if (revision.admit(file.getKey(), content.length)) {
                revision.read(file.getKey(), content);
            }
        }
        return revision.result();
    }

    /**
     * Spec files, and symbolic links that would be spec files or folders (to be reported), without
     * descending into hidden folders such as {@code .git}. Every path found is held until the walk ends,
     * so it ends at the first past {@link InputLimits#MAX_FILES} or {@link InputLimits#MAX_NAME_CHARS},
     * and the revision is refused there.
     */
    private static List<Path> specFiles(Path dir, Revision revision) throws IOException {
        List<Path> found = new ArrayList<>();
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            private long nameChars;

            @Override
            public FileVisitResult preVisitDirectory(Path folder, BasicFileAttributes attributes) {
                return !folder.equals(dir) && isHidden(folder) ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                boolean wanted = attributes.isSymbolicLink()
                        ? isSpecName(file) || Files.isDirectory(file)
                        : attributes.isRegularFile() && isSpecName(file);
                return wanted && !isHidden(file) ? add(file) : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                if (file.equals(dir)) {
                    throw e;
                }
                // Listed so that reading it reports the problem with the file's name.
                return add(file);
            }

            private FileVisitResult add(Path file) {
                found.add(file);
                String name = relativeName(dir, file);
                nameChars += name.length();
                if (found.size() > InputLimits.MAX_FILES) {
                    revision.refuse(name, String.format(Locale.ROOT,
                            "the revision has more than %,d spec files; none of them is read", InputLimits.MAX_FILES));
                } else if (nameChars > InputLimits.MAX_NAME_CHARS) {
                    revision.refuse(name, String.format(Locale.ROOT, "the names of the revision's spec files have more than"
                            + " %,d characters together; none of them is read", InputLimits.MAX_NAME_CHARS));
                }
                return revision.stopped() ? FileVisitResult.TERMINATE : FileVisitResult.CONTINUE;
            }
        });
        found.sort(Comparator.naturalOrder());
        return found;
    }

    static boolean isSpecName(Path path) {
        String name = path.getFileName().toString();
        return name.endsWith(".yaml") || name.endsWith(".yml");
    }

    private static boolean isHidden(Path path) {
        return path.getFileName().toString().startsWith(".");
    }

    private static String relativeName(Path dir, Path path) {
        List<String> segments = new ArrayList<>();
        dir.relativize(path).forEach(segment -> segments.add(segment.toString()));
        return String.join("/", segments);
    }
}
