package dev.celadon.reconciler.spec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** The files under {@code src/test/resources/specs}; see the README there. */
final class Fixtures {

    static final SpecRules RULES = new SpecRules(List.of("/dev/disk/by-id"));

    private Fixtures() {
    }

    static Stream<Path> valid() {
        return list("valid");
    }

    static Stream<Path> invalid() {
        return list("invalid");
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The errors a file states it must produce, in its {@code # expect:} lines. */
    static List<String> expectedErrors(Path file) {
        return read(file).lines()
                .filter(line -> line.startsWith("# expect: "))
                .map(line -> line.substring("# expect: ".length()))
                .toList();
    }

    /** Whether the file's errors are beyond what the JSON Schema can express. */
    static boolean schemaAccepts(Path file) {
        return read(file).lines().anyMatch(line -> line.equals("# schema: accepts"));
    }

    /** Parses one fixture on its own, under its file name. */
    static SpecSet parse(Path file) {
        return SpecLoader.parse(Map.of(file.getFileName().toString(), read(file)), RULES);
    }

    private static Stream<Path> list(String folder) {
        try {
            Path dir = Path.of(Fixtures.class.getResource("/specs/" + folder).toURI());
            try (Stream<Path> files = Files.list(dir)) {
                return files.sorted().toList().stream();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
