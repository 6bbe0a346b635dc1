package dev.celadon.reconciler.spec;

import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Any bytes, committed as a spec file, come back from the reader as partitions and positioned errors:
 * never another exception, an out-of-memory error or a hang. The input goes through
 * {@link SpecLoader#load}, the entry point {@code validate} and the reconciler use.
 *
 * <p>Without {@code JAZZER_FUZZ} (every {@code mvn test}) this runs the committed inputs under
 * {@code src/test/resources/dev/celadon/reconciler/spec/SpecReaderFuzzTestInputs/readsAnyFile/}: spec
 * fixtures, aliases, limits just passed, and whatever fuzzing has found. {@code make test} fuzzes it for
 * {@code maxDuration} in the {@code fuzz} profile of {@code reconciler/pom.xml}; a finding is left under
 * {@code reconciler/target/fuzz/}, and belongs in that folder once the reader is fixed.
 */
class SpecReaderFuzzTest {

    /** One folder for every input of the run: an input is a file, and the fuzzer runs hundreds a second. */
    private static final Path DIR = folder();
    private static final String FILE = "fuzz.yaml";
    /** A thousand times what the largest committed input takes. */
    private static final Duration PER_INPUT = Duration.ofSeconds(10);

    @FuzzTest(maxDuration = "60s")
    @DictionaryFile(resourcePath = "spec-reader.dict")
    void readsAnyFile(byte[] content) throws IOException {
        Files.write(DIR.resolve(FILE), content);

        // Per input: JUnit's @Timeout would time the whole fuzzing run, which is one invocation.
        SpecSet set = assertTimeoutPreemptively(PER_INPUT, () -> SpecLoader.load(DIR, SpecRules.DEFAULT));

        assertThat(set.errors()).hasSizeLessThanOrEqualTo(InputLimits.MAX_ERRORS + 1).allSatisfy(error -> {
            assertThat(error.file()).isEqualTo(FILE);
            assertThat(error.line()).isPositive();
            assertThat(error.column()).isPositive();
            // One line each, and short whatever the file quotes back: a control character shows as 4.
            assertThat(error.message()).isNotBlank().hasSizeLessThanOrEqualTo(4 * InputLimits.MAX_MESSAGE_CHARS);
            assertThat(error.field()).hasSizeLessThanOrEqualTo(4 * InputLimits.MAX_MESSAGE_CHARS);
            assertThat(error.toString()).doesNotContain("\n", "\r");
        });
        Set<String> names = new HashSet<>();
        assertThat(set.partitions()).allSatisfy(partition -> assertThat(names.add(partition.name().value())).isTrue());
    }

    private static Path folder() {
        try {
            Path dir = Files.createTempDirectory("spec-reader-fuzz");
            dir.toFile().deleteOnExit();
            dir.resolve(FILE).toFile().deleteOnExit();
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
