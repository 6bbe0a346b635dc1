package dev.celadon.reconciler.spec;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Every error class, each in its own fixture file stating the exact errors it must produce. */
class SpecFixturesTest {

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.celadon.reconciler.spec.Fixtures#valid")
    void validFixturesParseWithoutErrors(Path file) {
        SpecSet set = Fixtures.parse(file);

        assertThat(set.errors()).map(SpecError::toString).isEmpty();
        assertThat(set.partitions().size() + set.appliances().size()).as("documents read from %s", file.getFileName()).isPositive();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.celadon.reconciler.spec.Fixtures#invalid")
    void invalidFixturesReportExactlyTheirErrors(Path file) {
        SpecSet set = Fixtures.parse(file);

        assertThat(set.errors()).map(SpecError::toString)
                .as("errors of %s", file.getFileName())
                .containsExactlyElementsOf(Fixtures.expectedErrors(file));
        assertThat(set.isValid()).isFalse();
    }
}
