package dev.celadon.reconciler.spec;

import org.yaml.snakeyaml.nodes.Node;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.FileVisitResult;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Loads a revision's partition specs: every {@code *.yaml} and {@code *.yml} file of a folder, each
 * holding one or more documents. Nothing stops at the first error: every problem of every file is
 * collected, so one push shows the committer everything to fix.
 *
 * <p>Checks that span documents happen here: partition names are unique in the revision, and so
 * are forwarded host ports, which all bind on the appliance's loopback.
 */
public final class SpecLoader {

    private SpecLoader() {
    }

    /**
     * Loads every spec file under {@code dir}, recursively. Error file names are relative to
     * {@code dir} with forward slashes. Hidden files and folders (a name starting with {@code .})
     * are skipped; symbolic links are reported and never followed, since a committed link could
     * point at any file of the appliance.
     *
     * @throws IOException when {@code dir} itself cannot be listed
     */
    public static SpecSet load(Path dir, SpecRules rules) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new NoSuchFileException(dir.toString(), null, "not a directory");
        }
        SortedMap<String, String> files = new TreeMap<>();
        List<SpecError> errors = new ArrayList<>();
        for (Path path : specFiles(dir)) {
            String name = relativeName(dir, path);
            if (Files.isSymbolicLink(path)) {
                errors.add(new SpecError(name, 1, 1, "", "is a symbolic link; spec files and folders must be committed as themselves"));
                continue;
            }
            try {
                // A strict decoder: a malformed byte is an error, not a silent replacement character.
                files.put(name, StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(Files.readAllBytes(path))).toString());
            } catch (CharacterCodingException e) {
                errors.add(new SpecError(name, 1, 1, "", "is not valid UTF-8 text"));
            } catch (IOException e) {
                errors.add(new SpecError(name, 1, 1, "", "cannot be read: " + e.getMessage()));
            }
        }
        return parse(files, rules, errors);
    }

    /**
     * Parses spec files given as content, e.g. straight from a Git tree or in tests.
     *
     * @param files file name (as it should appear in errors) → content
     */
    public static SpecSet parse(Map<String, String> files, SpecRules rules) {
        return parse(new TreeMap<>(files), rules, new ArrayList<>());
    }

    private static SpecSet parse(SortedMap<String, String> files, SpecRules rules, List<SpecError> errors) {
        List<Partition> partitions = new ArrayList<>();
        Map<String, PartitionReader.Claim> names = new HashMap<>();
        Map<String, PartitionReader.Claim> hostPorts = new HashMap<>();
        for (Map.Entry<String, String> file : files.entrySet()) {
            Problems problems = new Problems(file.getKey(), errors);
            for (Node document : YamlDocuments.compose(file.getValue(), problems)) {
                PartitionReader.Result result = PartitionReader.read(document, problems, rules);
                boolean unique = result.name().map(name -> claim(names, name, problems,
                        "duplicate partition name \"%s\"; already defined at %s")).orElse(true);
                for (PartitionReader.Claim port : result.hostPorts()) {
                    claim(hostPorts, port, problems,
                            "host port %s is already forwarded at %s; a host port can be forwarded once per appliance");
                }
                if (unique) {
                    result.partition().ifPresent(partitions::add);
                }
            }
        }
        partitions.sort(Comparator.comparing(Partition::name));
        errors.sort(Comparator.comparing(SpecError::file)
                .thenComparingInt(SpecError::line)
                .thenComparingInt(SpecError::column)
                .thenComparing(SpecError::field)
                .thenComparing(SpecError::message));
        return new SpecSet(partitions, errors);
    }

    /** Records the first claim of a value and reports every later one, pointing back at the first. */
    private static boolean claim(Map<String, PartitionReader.Claim> claims, PartitionReader.Claim claim,
                                 Problems problems, String duplicateMessage) {
        PartitionReader.Claim first = claims.putIfAbsent(claim.value(), claim);
        if (first == null) {
            return true;
        }
        problems.report(claim.at(), claim.field(), duplicateMessage.formatted(claim.value(), first.at()));
        return false;
    }

    /**
     * Spec files, and symbolic links that would be spec files or folders (to be reported), without
     * descending into hidden folders such as {@code .git}.
     */
    private static List<Path> specFiles(Path dir) throws IOException {
        List<Path> found = new ArrayList<>();
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path folder, BasicFileAttributes attributes) {
                return !folder.equals(dir) && isHidden(folder) ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                boolean wanted = attributes.isSymbolicLink()
                        ? isSpecName(file) || Files.isDirectory(file)
                        : attributes.isRegularFile() && isSpecName(file);
                if (wanted && !isHidden(file)) {
                    found.add(file);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                if (file.equals(dir)) {
                    throw e;
                }
                // Listed so that reading it reports the problem with the file's name.
                found.add(file);
                return FileVisitResult.CONTINUE;
            }
        });
        found.sort(Comparator.naturalOrder());
        return found;
    }

    private static boolean isSpecName(Path path) {
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
