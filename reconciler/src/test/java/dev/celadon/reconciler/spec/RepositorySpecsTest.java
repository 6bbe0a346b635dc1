package dev.celadon.reconciler.spec;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The demo's {@code partitions.d/} and every example under {@code examples/} stay valid, for the parser and for editors. */
class RepositorySpecsTest {

    private static final Path ROOT = RepositoryRoot.find();
    /** What the homelab example's README tells the appliance to allow. */
    private static final SpecRules EXAMPLE_RULES = new SpecRules(List.of("/dev/disk/by-id"));

    static Stream<Path> examples() throws IOException {
        try (Stream<Path> folders = Files.list(ROOT.resolve("examples"))) {
            return folders.filter(Files::isDirectory).sorted().toList().stream();
        }
    }

    static Stream<Path> yamlFiles() throws IOException {
        try (Stream<Path> files = Stream.concat(Files.walk(ROOT.resolve("partitions.d")), Files.walk(ROOT.resolve("examples")))) {
            return files.filter(file -> file.toString().endsWith(".yaml")).sorted().toList().stream();
        }
    }

    @Test
    void theDemoIsValidWithTheDefaultRulesAndLightEnoughForTcg() throws IOException {
        SpecSet demo = SpecLoader.load(ROOT.resolve("partitions.d"), SpecRules.DEFAULT);

        assertThat(demo.errors()).map(SpecError::toString).isEmpty();
        assertThat(demo.partitions()).extracting(p -> p.name().value())
                .containsExactly("demo-debian", "demo-legacy", "demo-web", "demo-worker");
        assertThat(demo.partitions()).allSatisfy(partition -> assertThat(partition.vm().cpus()).isEqualTo(1));
        // The tiny guests run at once; the Debian guest is the one heavy machine, and stays Stopped until asked for.
        assertThat(demo.partitions()).filteredOn(p -> !p.name().value().equals("demo-debian"))
                .allSatisfy(partition -> assertThat(partition.vm().maxMemoryBytes()).isLessThanOrEqualTo(256L << 20));
        assertThat(demo.partitions()).filteredOn(p -> p.name().value().equals("demo-debian"))
                .singleElement().satisfies(debian -> {
                    assertThat(debian.runState()).isEqualTo(RunState.STOPPED);
                    assertThat(debian.vm().maxMemoryBytes()).isLessThanOrEqualTo(1L << 30);
                });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("examples")
    void everyExampleIsAValidRepository(Path example) throws IOException {
        assertThat(example.resolve("README.md")).isRegularFile();

        SpecSet set = SpecLoader.load(example.resolve("partitions.d"), EXAMPLE_RULES);

        assertThat(set.errors()).map(SpecError::toString).isEmpty();
        assertThat(set.partitions()).isNotEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("yamlFiles")
    void everySpecFileSatisfiesTheSchema(Path file) {
        assertThat(SchemaAgreementTest.schemaErrors(file)).as("schema errors for %s", ROOT.relativize(file)).hasValue(List.of());
    }

    @Test
    void theExamplesAreTheFivePromised() throws IOException {
        assertThat(examples().map(p -> p.getFileName().toString()))
                .containsExactly("cloud-init", "fleet", "homelab", "legacy-guest", "windows-enlightened");
    }
}
