package dev.celadon.reconciler.spec;

import dev.celadon.hypervisor.PartitionName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/**
 * The limits are sized for the reconciler's 64 MiB heap: the largest revisions they let through, and the
 * commits they refuse, load in a JVM started with {@code appliance/jvm.options}, two revisions held at once
 * beside what the rest of the reconciler keeps. Each keeps at most {@link InputLimits#MAX_KEPT_BYTES} of heap,
 * which {@link Footprint} estimates from above.
 */
class ShippedHeapTest {

    private static final Path JVM_OPTIONS = RepositoryRoot.find().resolve("appliance/jvm.options");
    private static final Pattern LINE = Pattern.compile(
            "([-a-z0-9]+): (\\d+) partitions, (\\d+) errors, (-?\\d+) bytes kept, (.*) \\(the revision before: \\d+ partitions\\)");

    /**
     * Without thread-local allocation buffers the heap in use is what is allocated: with them, it also counts the
     * unused rest of the buffer the thread took last, up to hundreds of KiB that vary from one measurement to the
     * next. The shipped options are used otherwise unchanged.
     */
    private static final String NO_TLAB = "-XX:-UseTLAB";

    /**
     * What the JVM keeps beside a revision at the instant of the measurement (LoaderProcess): the 16 long command
     * lines, 16,000,000 bytes of strings that {@link Footprint} estimates at 16.0 MB, measured 16.0 MB kept
     * after a small revision and 17.06 MB after 10,000 partitions, run after run.
     */
    private static final long JVM_KEEPS = 1L << 20;

    /** A line of {@link LoaderProcess}. */
    record Loaded(String folder, int partitions, int errors, long kept, String firstError) {
    }

    @Test
    void theLargestRevisionsAndTheRefusedCommitsLoadUnderTheShippedJvmOptions(@TempDir Path dir) throws Exception {
        int fullFile = InputLimits.MAX_FILE_BYTES;
        // The small revisions first: they take what the loader's first run of each path keeps (LoaderProcess).
        List<Path> folders = List.of(
                GeneratedSpecs.write(dir.resolve("fifty-megabytes"), Map.of("huge.yaml", "#".repeat(50_000_000))),
                GeneratedSpecs.write(dir.resolve("errors"), Map.of("bad.yaml", GeneratedSpecs.oneFile(2000, i -> "cpus: [" + i + "]\n"))),
                GeneratedSpecs.write(dir.resolve("alias-bomb"), Map.of("bomb.yaml", GeneratedSpecs.aliasBomb())),
                GeneratedSpecs.write(dir.resolve("ordinary-one-per-file"),
                        GeneratedSpecs.inFiles(InputLimits.MAX_DOCUMENTS, GeneratedSpecs::ordinary, 1)),
                GeneratedSpecs.write(dir.resolve("long-command-lines"), longCommandLines()),
                GeneratedSpecs.write(dir.resolve("labels"), GeneratedSpecs.inFiles(200, GeneratedSpecs::withThousandLabels, fullFile)),
                GeneratedSpecs.write(dir.resolve("ordinary-full-files"),
                        GeneratedSpecs.inFiles(InputLimits.MAX_DOCUMENTS, GeneratedSpecs::ordinary, fullFile)));

        List<Loaded> loaded = load(folders);

        assertThat(loaded).extracting(Loaded::folder, Loaded::partitions, Loaded::errors, Loaded::firstError).containsExactly(
                tuple("fifty-megabytes", 0, 1, "huge.yaml:1:1: the file has 50,000,000 bytes; a spec file may have at most"
                        + " 1,048,576 (1Mi): split it"),
                tuple("errors", 0, InputLimits.MAX_ERRORS + 1, "bad.yaml:2:1: apiVersion: required field is missing"),
                tuple("alias-bomb", 0, 1, "bomb.yaml:8:9: written out, its aliases would make this file more than 2 times as long;"
                        + " use fewer or smaller aliases"),
                tuple("ordinary-one-per-file", 10_000, 0, ""),
                tuple("long-command-lines", 16, 1, "long-16.yaml:1:1: the spec files up to this one have 17,002,489 bytes;"
                        + " a revision may have at most 16,777,216 (16Mi), and the rest is not read"),
                tuple("labels", 98, 1, "part-00000.yaml:688:1: the documents up to this one would take more than 16,777,216 bytes"
                        + " (16Mi) of the reconciler's memory; this one and the rest are not read (docs/design.md: Input limits)"),
                tuple("ordinary-full-files", 10_000, 0, ""));
        assertThat(loaded).allSatisfy(revision -> assertThat(revision.kept()).as(revision.folder())
                .isLessThanOrEqualTo(InputLimits.MAX_KEPT_BYTES + JVM_KEEPS));
    }

    /**
     * The largest revision read while the same is held, right after a small one, as when a commit of the largest
     * revision follows a small fleet and another follows it: at 48 MiB this ran out of heap (SnakeYAML's reader
     * growing its buffer for the second), while the order above did not.
     */
    @Test
    void theLargestRevisionReadWhileItselfIsHeld(@TempDir Path dir) throws Exception {
        List<Path> folders = List.of(
                GeneratedSpecs.write(dir.resolve("small"), Map.of("s.yaml", GeneratedSpecs.HEAD + "metadata: {name: s}\n" + GeneratedSpecs.SPEC)),
                GeneratedSpecs.write(dir.resolve("long-command-lines"), longCommandLines()),
                GeneratedSpecs.write(dir.resolve("long-command-lines-again"), longCommandLines()));

        List<Loaded> loaded = load(folders);

        assertThat(loaded).extracting(Loaded::folder, Loaded::partitions).containsExactly(
                tuple("small", 1), tuple("long-command-lines", 16), tuple("long-command-lines-again", 16));
        assertThat(loaded).allSatisfy(revision -> assertThat(revision.kept()).as(revision.folder())
                .isLessThanOrEqualTo(InputLimits.MAX_KEPT_BYTES + JVM_KEEPS));
    }

    /** 17 files of one partition each, its command line half a million characters beyond Latin-1 (1 MB). */
    private static Map<String, String> longCommandLines() {
        Map<String, String> files = new TreeMap<>();
        for (int i = 0; i < 17; i++) {
            files.put("long-%02d.yaml".formatted(i), GeneratedSpecs.HEAD + "metadata: {name: long-" + i + "}\n"
                    + "spec: {cpus: 1, memory: 128Mi, boot: {kernel: tiny/vmlinuz, cmdline: " + "\u0101".repeat(500_000) + "}}\n");
        }
        return files;
    }

    private static List<Loaded> load(List<Path> folders) throws IOException, InterruptedException, URISyntaxException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "@" + JVM_OPTIONS, NO_TLAB, "-cp", classPath(), LoaderProcess.class.getName()));
        folders.forEach(folder -> command.add(folder.toString()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(5, TimeUnit.MINUTES)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        List<Loaded> loaded = new ArrayList<>();
        for (String line : output.lines().toList()) {
            Matcher matcher = LINE.matcher(line);
            assertThat(matcher.matches()).as(output).isTrue();
            loaded.add(new Loaded(matcher.group(1), Integer.parseInt(matcher.group(2)), Integer.parseInt(matcher.group(3)),
                    Long.parseLong(matcher.group(4)), matcher.group(5)));
        }
        return loaded;
    }

    /** The loader's classes, the hypervisor's records and SnakeYAML: all the child JVM needs. */
    private static String classPath() throws URISyntaxException {
        List<String> entries = new ArrayList<>();
        for (Class<?> type : List.of(LoaderProcess.class, SpecLoader.class, PartitionName.class, Yaml.class)) {
            entries.add(Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
        }
        return String.join(File.pathSeparator, entries.stream().distinct().toList());
    }
}
