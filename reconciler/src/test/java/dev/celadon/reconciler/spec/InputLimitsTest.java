package dev.celadon.reconciler.spec;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Each limit of {@link InputLimits} just passed and just kept, and the commits that stopped the reconciler
 * before there were limits. A limit passed is an ordinary error at the file and line where it was passed.
 */
class InputLimitsTest {

    /** A refused commit takes milliseconds; seconds leave room for a busy machine, not for an out-of-memory one. */
    private static final Duration QUICKLY = Duration.ofSeconds(3);

    // --- aliases and nodes -------------------------------------------------------------------

    /** The hostile tester's 133 KB commit, which ran the heap out without a FILE:LINE. */
    @Test
    void aLabelValueAliasedUntilTheFileWouldBeTwiceAsLongIsAnErrorAtThatAlias(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("bomb.yaml"), GeneratedSpecs.aliasBomb());

        SpecSet set = assertTimeoutPreemptively(QUICKLY, () -> SpecLoader.load(dir, SpecRules.DEFAULT));

        assertThat(set.errors()).map(SpecError::toString).containsExactly(
                "bomb.yaml:8:9: written out, its aliases would make this file more than 2 times as long; use fewer or smaller aliases");
    }

    @Test
    void aliasesOfCollectionsCountEveryNodeTheyStandFor() {
        String laughs = """
                a: &a [x, x, x, x, x, x, x, x, x]
                b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
                c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
                d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
                """;

        assertThat(parse("laughs.yaml", laughs)).containsExactly(
                "laughs.yaml:2:40: written out, its aliases would make this file more than 2 times as long; use fewer or smaller aliases");
    }

    /**
     * With a 17-character value the file has 36 characters, and its two aliases add 2 × 18: as much as the file
     * holds. A character more adds 38 to 37.
     */
    @Test
    void aliasesMayAddAsMuchAsTheFileHoldsAndNoMore() {
        assertThat(parse("x.yaml", "x: &a " + "v".repeat(17) + "\ny: [*a, *a]\n")).containsExactly(
                "x.yaml:1:1: apiVersion: required field is missing",
                "x.yaml:1:1: kind: required field is missing",
                "x.yaml:1:1: metadata: required field is missing",
                "x.yaml:1:1: spec: required field is missing",
                "x.yaml:1:1: x: unknown field; allowed: apiVersion, kind, metadata, spec",
                "x.yaml:2:1: y: unknown field; allowed: apiVersion, kind, metadata, spec");
        assertThat(parse("x.yaml", "x: &a " + "v".repeat(18) + "\ny: [*a, *a]\n")).containsExactly(
                "x.yaml:2:9: written out, its aliases would make this file more than 2 times as long; use fewer or smaller aliases");
    }

    /** SnakeYAML's own limit, 20 aliases of collections in a file, refused a fleet of 21 such partitions. */
    @Test
    void aliasesWithinTheLimitAreRead() {
        StringBuilder file = new StringBuilder();
        for (int i = 0; i < 30; i++) {
            file.append("---\n").append(GeneratedSpecs.HEAD).append("metadata: {name: &n vm-").append(i).append(", labels: &l {app: *n}}\n")
                    .append("spec: {cpus: 1, memory: 128Mi, boot: {kernel: tiny/vmlinuz}, placement: {selector: *l}}\n");
        }

        SpecSet set = SpecLoader.parse(Map.of("fleet.yaml", file.toString()), SpecRules.DEFAULT);

        assertThat(set.errors()).isEmpty();
        assertThat(set.partitions()).hasSize(30).allSatisfy(p -> assertThat(p.placement().selector()).isEqualTo(p.labels()));
    }

    @Test
    void anAliasInsideTheNodeItStandsForIsAnError() {
        assertThat(parse("loop.yaml", GeneratedSpecs.HEAD + "metadata:\n  name: loop\n  labels: &l {self: *l}\n" + GeneratedSpecs.SPEC)).containsExactly(
                "loop.yaml:5:21: the alias *l stands for a node that contains it; a spec cannot be a recursive structure");
    }

    @Test
    void aDocumentMayHaveTenThousandNodesAndNoMore() {
        String list = "[" + "a,".repeat(InputLimits.MAX_DOCUMENT_NODES - 2) + "a]\n";
        String longer = "[" + "a,".repeat(InputLimits.MAX_DOCUMENT_NODES - 1) + "a]\n";

        assertThat(parse("list.yaml", list)).containsExactly("list.yaml:1:1: expected a mapping, got a list");
        assertThat(parse("list.yaml", longer)).containsExactly(
                "list.yaml:1:20000: this document has more than 10,000 YAML nodes (mappings, lists, keys and values,"
                        + " an alias counting as what it stands for); a partition has about 100");
    }

    // --- sizes -------------------------------------------------------------------------------

    /** A spec file of 50 MB is not read at all: nothing of it is composed or held. */
    @Test
    void aFileOverTheSizeLimitIsAnErrorAtItsFirstLine(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("huge.yaml"), GeneratedSpecs.minimal("huge") + ("#" + "x".repeat(99) + "\n").repeat(500_000));

        SpecSet set = assertTimeoutPreemptively(QUICKLY, () -> SpecLoader.load(dir, SpecRules.DEFAULT));

        assertThat(set.errors()).map(SpecError::toString).containsExactly("huge.yaml:1:1: the file has "
                + thousands(Files.size(dir.resolve("huge.yaml"))) + " bytes; a spec file may have at most 1,048,576 (1Mi): split it");
        assertThat(set.partitions()).isEmpty();
    }

    @Test
    void aFileOfTheSizeLimitIsReadAndOneByteMoreIsNot() {
        String full = GeneratedSpecs.padded(GeneratedSpecs.minimal("full"), InputLimits.MAX_FILE_BYTES);

        assertThat(parse("full.yaml", full)).isEmpty();
        assertThat(parse("full.yaml", full + "\n")).containsExactly(
                "full.yaml:1:1: the file has 1,048,577 bytes; a spec file may have at most 1,048,576 (1Mi): split it");
    }

    /** Sizes are counted in UTF-8, as the files are committed. */
    @Test
    void aFileIsMeasuredInBytes() {
        String full = GeneratedSpecs.padded(GeneratedSpecs.minimal("full"), InputLimits.MAX_FILE_BYTES - 1);

        assertThat(parse("full.yaml", full + "é").getFirst()).startsWith("full.yaml:1:1: the file has 1,048,577 bytes");
    }

    @Test
    void aRevisionIsReadUpToTheFileThatPassesItsSizeLimit() {
        Map<String, String> files = new TreeMap<>();
        for (int i = 0; i < 16; i++) {
            files.put("full-%02d.yaml".formatted(i), GeneratedSpecs.padded(GeneratedSpecs.minimal("full-" + i), InputLimits.MAX_FILE_BYTES));
        }
        SpecSet full = SpecLoader.parse(files, SpecRules.DEFAULT);
        files.put("more.yaml", GeneratedSpecs.minimal("more"));
        files.put("rest.yaml", GeneratedSpecs.minimal("rest"));
        SpecSet over = SpecLoader.parse(files, SpecRules.DEFAULT);

        assertThat(full.errors()).isEmpty();
        assertThat(full.partitions()).hasSize(16);
        assertThat(over.errors()).map(SpecError::toString).containsExactly("more.yaml:1:1: the spec files up to this one have "
                + thousands(InputLimits.MAX_REVISION_BYTES + files.get("more.yaml").length())
                + " bytes; a revision may have at most 16,777,216 (16Mi), and the rest is not read");
        assertThat(over.partitions()).hasSize(16);
    }

    // --- counts ------------------------------------------------------------------------------

    @Test
    void aRevisionHasTenThousandPartitionsAndNoMore() {
        Map<String, String> files = GeneratedSpecs.inFiles(InputLimits.MAX_DOCUMENTS, GeneratedSpecs::minimal, InputLimits.MAX_FILE_BYTES);
        SpecSet full = SpecLoader.parse(files, SpecRules.DEFAULT);
        Map<String, String> over = GeneratedSpecs.inFiles(InputLimits.MAX_DOCUMENTS + 1, GeneratedSpecs::minimal, InputLimits.MAX_FILE_BYTES);
        String last = over.keySet().stream().reduce((first, second) -> second).orElseThrow();
        int lastLine = (int) over.get(last).lines().count() - 3;

        assertThat(full.errors()).isEmpty();
        assertThat(full.partitions()).hasSize(InputLimits.MAX_DOCUMENTS);
        assertThat(SpecLoader.parse(over, SpecRules.DEFAULT).errors()).map(SpecError::toString).containsExactly(
                last + ":" + lastLine + ":1: the revision has more than 10,000 documents (partitions and Appliance documents); this one and"
                        + " the rest are not read");
    }

    @Test
    void aRevisionOfMoreThanTenThousandFilesIsNotRead(@TempDir Path dir) throws IOException {
        for (int i = 0; i < InputLimits.MAX_FILES; i++) {
            Files.createFile(dir.resolve("empty-%05d.yaml".formatted(i)));
        }
        SpecSet full = SpecLoader.load(dir, SpecRules.DEFAULT);
        Files.createFile(dir.resolve("one-more.yaml"));
        SpecSet over = SpecLoader.load(dir, SpecRules.DEFAULT);

        assertThat(full.errors()).isEmpty();
        assertThat(over.errors()).singleElement().satisfies(error -> {
            assertThat(error.line()).isEqualTo(1);
            assertThat(error.message()).isEqualTo("the revision has more than 10,000 spec files; none of them is read");
        });
    }

    /** 14 folders of 250 characters, and files in the deepest: each name is 3,524 characters long. */
    @Test
    void theNamesOfARevisionsFilesTogetherHaveAMebibyteAndNoMore(@TempDir Path dir) throws IOException {
        Path deep = dir;
        for (int i = 0; i < 14; i++) {
            deep = deep.resolve(Character.toString('a' + i).repeat(250));
        }
        Files.createDirectories(deep);
        int fit = InputLimits.MAX_NAME_CHARS / 3524;
        for (int i = 0; i < fit; i++) {
            Files.writeString(deep.resolve("f-%03d.yaml".formatted(i)), GeneratedSpecs.minimal(i));
        }
        SpecSet full = SpecLoader.load(dir, SpecRules.DEFAULT);
        Files.writeString(deep.resolve("f-%03d.yaml".formatted(fit)), GeneratedSpecs.minimal(fit));
        SpecSet over = SpecLoader.load(dir, SpecRules.DEFAULT);

        assertThat(full.errors()).isEmpty();
        assertThat(full.partitions()).hasSize(fit);
        assertThat(over.errors()).singleElement().satisfies(error -> {
            assertThat(error.file()).hasSize(3524);
            assertThat(error.message()).isEqualTo(
                    "the names of the revision's spec files have more than 1,048,576 characters together; none of them is read");
        });
        assertThat(over.partitions()).isEmpty();
    }

    /**
     * Labels cost some 120 bytes of heap each and 7 bytes of a file: without a limit on what partitions keep,
     * 16 MiB of them would take 190 MiB. Kept partitions stop at the one that passes 16 MiB.
     */
    @Test
    void partitionsAreKeptUpToTheMemoryLimit() {
        Map<String, String> files = GeneratedSpecs.inFiles(200, GeneratedSpecs::withThousandLabels, InputLimits.MAX_FILE_BYTES);

        SpecSet set = SpecLoader.parse(files, SpecRules.DEFAULT);

        long kept = set.partitions().stream().mapToLong(Footprint::of).sum();
        assertThat(kept).isLessThanOrEqualTo(InputLimits.MAX_KEPT_BYTES);
        assertThat(kept + Footprint.of(set.partitions().getFirst())).isGreaterThan(InputLimits.MAX_KEPT_BYTES);
        assertThat(set.errors()).singleElement().satisfies(error -> assertThat(error.message()).isEqualTo(
                "the documents up to this one would take more than 16,777,216 bytes (16Mi) of the reconciler's memory;"
                        + " this one and the rest are not read (docs/design.md: Input limits)"));
    }

    @Test
    void theFirstThousandErrorsAreListedAndReadingStopsAtTheNext() {
        String thousand = GeneratedSpecs.oneFile(InputLimits.MAX_ERRORS, i -> GeneratedSpecs.minimal(i).replace("cpus: 1", "cpus: 0"));
        String more = GeneratedSpecs.oneFile(1200, i -> GeneratedSpecs.minimal(i).replace("cpus: 1", "cpus: 0"));

        assertThat(SpecLoader.parse(Map.of("bad.yaml", thousand), SpecRules.DEFAULT).errors()).hasSize(InputLimits.MAX_ERRORS)
                .allSatisfy(error -> assertThat(error.message()).isEqualTo("0 is out of range; use 1 to 256"));
        SpecSet set = SpecLoader.parse(Map.of("bad.yaml", more), SpecRules.DEFAULT);
        assertThat(set.errors()).hasSize(InputLimits.MAX_ERRORS + 1);
        assertThat(set.errors().getLast().toString()).isEqualTo(
                "bad.yaml:5005:14: more than 1,000 errors: the first 1,000 are listed, and the revision is read no further");
    }

    @Test
    void aLongValueIsShortenedInItsMessage() {
        String spec = GeneratedSpecs.HEAD + "metadata:\n  name: long\n  labels: {tier: " + "w".repeat(100 * 1024) + "}\n" + GeneratedSpecs.SPEC;

        String error = parse("long.yaml", spec).getFirst();

        assertThat(error).hasSizeLessThanOrEqualTo("long.yaml:5:18: metadata.labels.tier: ".length() + InputLimits.MAX_MESSAGE_CHARS)
                .startsWith("long.yaml:5:18: metadata.labels.tier: invalid label value \"www")
                .contains("www ... www")
                .endsWith("www\": use an empty value or at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit");
    }

    // --- whole revisions (the largest that pass, under the shipped heap: ShippedHeapTest) --------

    /**
     * The hostile tester's one file of 5,000 partitions: ordinary ones take 2.2 MB, over the file limit, and
     * the file is refused before it is read; 5,000 small ones fit in one file and load.
     */
    @Test
    void oneFileOfFiveThousandPartitionsLoadsIfItIsUnderAMebibyte() {
        String ordinary = GeneratedSpecs.oneFile(5000, GeneratedSpecs::ordinary);
        String small = GeneratedSpecs.oneFile(5000, GeneratedSpecs::minimal);

        SpecSet refused = assertTimeoutPreemptively(QUICKLY, () -> SpecLoader.parse(Map.of("fleet.yaml", ordinary), SpecRules.DEFAULT));
        SpecSet read = SpecLoader.parse(Map.of("fleet.yaml", small), SpecRules.DEFAULT);

        assertThat(refused.errors()).map(SpecError::toString).containsExactly(
                "fleet.yaml:1:1: the file has " + thousands(ordinary.length()) + " bytes; a spec file may have at most 1,048,576 (1Mi): split it");
        assertThat(read.errors()).isEmpty();
        assertThat(read.partitions()).hasSize(5000);
    }

    private static List<String> parse(String file, String content) {
        return SpecLoader.parse(Map.of(file, content), SpecRules.DEFAULT).errors().stream().map(SpecError::toString).toList();
    }

    private static String thousands(long number) {
        return String.format(Locale.ROOT, "%,d", number);
    }
}
