package dev.celadon.reconciler.spec;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class QuantitiesTest {

    @ParameterizedTest
    @CsvSource({
            "0, 0",
            "1000, 1000",
            "1Ki, 1024",
            "512Mi, 536870912",
            "1Gi, 1073741824",
            "2Ti, 2199023255552",
            "1536Mi, 1610612736"})
    void parsesBinarySuffixesAndPlainBytes(String text, long bytes) {
        assertThat(Quantities.parse(text)).isEqualTo(bytes);
    }

    @ParameterizedTest
    @CsvSource({
            "536870912, 512Mi",
            "1073741824, 1Gi",
            "1610612736, 1536Mi",
            "1000, 1000",
            "1024, 1Ki",
            "0, 0"})
    void formatsAsTheShortestExactUnit(long bytes, String text) {
        assertThat(Quantities.format(bytes)).isEqualTo(text);
        assertThat(Quantities.parse(text)).isEqualTo(bytes);
    }

    @ParameterizedTest
    @ValueSource(strings = {"12XB", "1G", "1.5Gi", "-1", "+1", " 1Gi", "1 Gi", "Gi", "", "1gi"})
    void rejectsAnythingElseNamingTheAllowedForms(String text) {
        assertThatIllegalArgumentException().isThrownBy(() -> Quantities.parse(text))
                .withMessage("invalid quantity \"" + text + "\": use a number with Ki, Mi, Gi or Ti, or plain bytes");
    }

    @Test
    void rejectsOverflow() {
        assertThatIllegalArgumentException().isThrownBy(() -> Quantities.parse("8388608Ti"))
                .withMessage("quantity \"8388608Ti\" is too large");
        assertThatIllegalArgumentException().isThrownBy(() -> Quantities.parse("99999999999999999999"))
                .withMessage("quantity \"99999999999999999999\" is too large");
    }
}
