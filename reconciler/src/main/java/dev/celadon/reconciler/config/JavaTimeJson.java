package dev.celadon.reconciler.config;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import io.quarkus.jackson.ObjectMapperCustomizer;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * The two java.time types the reconciler's JSON holds, written as jackson-datatype-jsr310 wrote them, so
 * status keeps its contract and ledgers written before still read: an {@link Instant} as an ISO-8601
 * string ({@code "2026-11-24T02:40:00Z"}, DESIGN.md §5), a {@link Duration} as decimal seconds with nine
 * places ({@code 30.000000000}, the ledger's grace periods). That module's 76 classes were loaded at every
 * start for these two (benchmarks/RESULTS.md).
 */
@Singleton
public class JavaTimeJson implements ObjectMapperCustomizer {

    private static final int NANO_DIGITS = 9;

    @Override
    public void customize(ObjectMapper mapper) {
        mapper.registerModule(module());
    }

    public static SimpleModule module() {
        return new SimpleModule("celadon-java-time")
                .addSerializer(Instant.class, new InstantWriter())
                .addDeserializer(Instant.class, new InstantReader())
                .addSerializer(Duration.class, new DurationWriter())
                .addDeserializer(Duration.class, new DurationReader());
    }

    static String seconds(Duration duration) {
        if (duration.isNegative()) {
            throw new IllegalArgumentException("a negative duration has no place in Celadon's JSON: " + duration);
        }
        String nanos = String.valueOf(duration.getNano());
        return duration.getSeconds() + "." + "0".repeat(NANO_DIGITS - nanos.length()) + nanos;
    }

    static Duration duration(String seconds) {
        int point = seconds.indexOf('.');
        String whole = point < 0 ? seconds : seconds.substring(0, point);
        String fraction = point < 0 ? "" : seconds.substring(point + 1);
        if (whole.isEmpty() || !whole.chars().allMatch(Character::isDigit) || fraction.length() > NANO_DIGITS
                || !fraction.chars().allMatch(Character::isDigit)) {
            throw new IllegalArgumentException("not a duration in seconds: '" + seconds + "'");
        }
        long nanos = fraction.isEmpty() ? 0 : Long.parseLong(fraction + "0".repeat(NANO_DIGITS - fraction.length()));
        return Duration.ofSeconds(Long.parseLong(whole), nanos);
    }

    private static final class InstantWriter extends JsonSerializer<Instant> {
        @Override
        public void serialize(Instant value, JsonGenerator out, SerializerProvider serializers) throws IOException {
            out.writeString(value.toString());
        }
    }

    private static final class InstantReader extends JsonDeserializer<Instant> {
        @Override
        public Instant deserialize(JsonParser in, DeserializationContext context) throws IOException {
            String text = in.getValueAsString();
            if (text == null) {
                return (Instant) context.handleUnexpectedToken(Instant.class, in);
            }
            try {
                return Instant.parse(text);
            } catch (DateTimeParseException e) {
                return (Instant) context.handleWeirdStringValue(Instant.class, text, "not an ISO-8601 instant");
            }
        }
    }

    private static final class DurationWriter extends JsonSerializer<Duration> {
        @Override
        public void serialize(Duration value, JsonGenerator out, SerializerProvider serializers) throws IOException {
            out.writeNumber(seconds(value));
        }
    }

    private static final class DurationReader extends JsonDeserializer<Duration> {
        @Override
        public Duration deserialize(JsonParser in, DeserializationContext context) throws IOException {
            if (in.currentToken() != JsonToken.VALUE_NUMBER_INT && in.currentToken() != JsonToken.VALUE_NUMBER_FLOAT) {
                return (Duration) context.handleUnexpectedToken(Duration.class, in);
            }
            try {
                return duration(in.getText());
            } catch (IllegalArgumentException e) {
                return (Duration) context.handleWeirdNumberValue(Duration.class, in.getNumberValue(), e.getMessage());
            }
        }
    }
}
