package dev.celadon.reconciler.spec;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CoresTest {

    @ParameterizedTest
    @CsvSource({"2, 2000", "0.5, 500", "1.25, 1250", "0.01, 10", "0.001, 1", "500m, 500", "1500m, 1500", "0, 0", "288, 288000"})
    void coresAndMillicores(String text, int millicores) {
        assertThat(Cores.parseMillicores(text)).isEqualTo(millicores);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "half", "-1", "0.0005", "1.5m", ".5", "1.", "1e3", "2 cores", "9999999999m", "1234567"})
    void anythingElseSaysWhatToWrite(String text) {
        assertThatThrownBy(() -> Cores.parseMillicores(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("invalid number of cores \"" + text
                        + "\": use cores such as 2 or 0.5 (at most 3 decimals), or millicores such as 500m");
    }

    @ParameterizedTest
    @CsvSource({"500, 0.5", "2000, 2", "1250, 1.25", "10, 0.01", "1001, 1.001"})
    void formatsInCores(int millicores, String text) {
        assertThat(Cores.format(millicores)).isEqualTo(text);
    }
}
