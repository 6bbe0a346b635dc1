package dev.celadon.reconciler.spec;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class DurationsTest {

    @ParameterizedTest
    @CsvSource({
            "30s, 30000",
            "500ms, 500",
            "5m, 300000",
            "1h, 3600000",
            "1m30s, 90000",
            "1h2m3s4ms, 3723004",
            "0s, 0",
            "90s, 90000"})
    void parsesUnitsLargestFirst(String text, long millis) {
        assertThat(Durations.parse(text)).isEqualTo(Duration.ofMillis(millis));
    }

    @ParameterizedTest
    @CsvSource({
            "30000, 30s",
            "90000, 1m30s",
            "500, 500ms",
            "3600000, 1h",
            "1500, 1s500ms",
            "0, 0s"})
    void formatsCanonically(long millis, String text) {
        assertThat(Durations.format(Duration.ofMillis(millis))).isEqualTo(text);
        assertThat(Durations.parse(text)).isEqualTo(Duration.ofMillis(millis));
    }

    @ParameterizedTest
    @ValueSource(strings = {"30", "30S", "1.5s", "30s1m", "1s1s", "-5s", "", "s", "5 s", "1d"})
    void rejectsAnythingElse(String text) {
        assertThatIllegalArgumentException().isThrownBy(() -> Durations.parse(text))
                .withMessage("invalid duration \"" + text + "\": use whole numbers with h, m, s or ms, largest first, e.g. 30s, 500ms or 1m30s");
    }
}
