package dev.celadon.reconciler.config;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Instants and durations as jackson-datatype-jsr310 wrote them: status' contract, and ledgers on disk. */
class JavaTimeJsonTest {

    private final ObjectMapper mapper = new ObjectMapper().registerModule(JavaTimeJson.module());

    record Stamped(Instant at, Duration grace) {
    }

    @Test
    void writesIsoInstantsAndDecimalSeconds() throws Exception {
        String json = mapper.writeValueAsString(new Stamped(Instant.parse("2026-11-24T02:40:00.120Z"),
                Duration.ofSeconds(30)));
        assertThat(json).isEqualTo("{\"at\":\"2026-11-24T02:40:00.120Z\",\"grace\":30.000000000}");
        assertThat(mapper.writeValueAsString(Duration.ofMillis(1500))).isEqualTo("1.500000000");
        assertThat(mapper.writeValueAsString(Duration.ofNanos(7))).isEqualTo("0.000000007");
    }

    @Test
    void readsWhatJsr310WroteAndWholeSeconds() throws Exception {
        // A ledger entry as the reconciler wrote it with jsr310's module (session 2).
        assertThat(mapper.readValue("{\"at\":\"2026-11-24T02:40:00Z\",\"grace\":30.000000000}", Stamped.class))
                .isEqualTo(new Stamped(Instant.parse("2026-11-24T02:40:00Z"), Duration.ofSeconds(30)));
        assertThat(mapper.readValue("90", Duration.class)).isEqualTo(Duration.ofSeconds(90));
        assertThat(mapper.readValue("0.25", Duration.class)).isEqualTo(Duration.ofMillis(250));
    }

    @Test
    void nullsStayNull() throws Exception {
        assertThat(mapper.writeValueAsString(new Stamped(null, null))).isEqualTo("{\"at\":null,\"grace\":null}");
        assertThat(mapper.readValue("{\"at\":null,\"grace\":null}", Stamped.class)).isEqualTo(new Stamped(null, null));
    }

    @Test
    void malformedValuesAreRefusedNamingTheField() {
        assertThatThrownBy(() -> mapper.readValue("{\"at\":\"yesterday\"}", Stamped.class))
                .isInstanceOf(InvalidFormatException.class).hasMessageContaining("yesterday")
                .hasMessageContaining("\"at\"");
        assertThatThrownBy(() -> mapper.readValue("{\"grace\":\"30s\"}", Stamped.class))
                .isInstanceOf(MismatchedInputException.class).hasMessageContaining("\"grace\"");
        assertThatThrownBy(() -> mapper.readValue("{\"grace\":-1.5}", Stamped.class))
                .isInstanceOf(InvalidFormatException.class).hasMessageContaining("\"grace\"");
        assertThatThrownBy(() -> mapper.readValue("{\"grace\":1.0000000001}", Stamped.class))
                .isInstanceOf(InvalidFormatException.class);
    }

    @Test
    void aNegativeDurationIsNeverWritten() {
        assertThatIllegalArgumentException().isThrownBy(() -> JavaTimeJson.seconds(Duration.ofSeconds(-1)));
    }
}
