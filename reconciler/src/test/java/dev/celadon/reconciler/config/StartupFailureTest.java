package dev.celadon.reconciler.config;

import io.smallrye.config.ConfigValidationException;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** What the operator reads when the reconciler does not start, from the failures SmallRye and the start throw. */
class StartupFailureTest {

    /** The mapping read by SmallRye itself, as Quarkus does at start, from a file of these lines. */
    private static ConfigValidationException reading(Map<String, String> properties) {
        SmallRyeConfigBuilder builder = new SmallRyeConfigBuilder().withMapping(CeladonConfig.class)
                .withSources(new PropertiesConfigSource(properties, "celadon.properties", 250));
        return catchThrowableOfType(ConfigValidationException.class, builder::build);
    }

    private static StartupFailure failure(Throwable thrown) {
        return StartupFailure.of(thrown).orElseThrow();
    }

    @Test
    void aBadValueIsItsKeyItsValueAndWhatIsAllowed() {
        assertThat(failure(reading(Map.of("celadon.hypervisor.accel", "fast"))))
                .isEqualTo(new StartupFailure(List.of("celadon.hypervisor.accel=fast: must be auto, kvm or tcg"), 2));
        assertThat(failure(reading(Map.of("celadon.hypervisor.reserved-memory", "512MB"))).lines()).containsExactly(
                "celadon.hypervisor.reserved-memory=512MB: must be a size: a whole number with Ki, Mi, Gi or Ti, or plain bytes, e.g. 512Mi");
        assertThat(failure(reading(Map.of("celadon.loop.enabled", "yes"))).lines())
                .containsExactly("celadon.loop.enabled=yes: must be true or false");
    }

    @Test
    void aDurationMustBeOneAndMoreThanZero() {
        for (String duration : List.of("soon", "0s", "-5s")) {
            assertThat(failure(reading(Map.of("celadon.git.poll-interval", duration))).lines()).containsExactly(
                    "celadon.git.poll-interval=" + duration + ": must be a duration of more than zero, e.g. 5s, 500ms or 2m");
        }
    }

    @Test
    void theImageKeysAreCheckedAsTheyAreRead() {
        assertThat(failure(reading(Map.of("celadon.images.max-bytes", "lots"))).lines()).containsExactly(
                "celadon.images.max-bytes=lots: must be a size: a whole number with Ki, Mi, Gi or Ti, or plain bytes, e.g. 512Mi");
        assertThat(failure(reading(Map.of("celadon.images.cache-retention", "0s"))).lines()).containsExactly(
                "celadon.images.cache-retention=0s: must be a duration of more than zero, e.g. 5s, 500ms or 2m");
    }

    @Test
    void theEventsKeptAreAWholeNumberWithinTheirRange() {
        for (String count : List.of("0", "-1", "lots", "10001", "1e3", "99999999999")) {
            assertThat(failure(reading(Map.of("celadon.events.retained", count))).lines()).containsExactly(
                    "celadon.events.retained=" + count + ": must be a whole number from 1 to 10000");
        }
    }

    @Test
    void theWaysQuarkusWritesDurationsStillRead() {
        assertThat(new Converters.PositiveDuration().convert("5")).hasSeconds(5);
        assertThat(new Converters.PositiveDuration().convert("500ms")).hasMillis(500);
        assertThat(new Converters.PositiveDuration().convert("PT2M")).hasMinutes(2);
    }

    @Test
    void everyBadKeyHasItsLine() {
        assertThat(failure(reading(Map.of("celadon.hypervisor.accel", "fast", "celadon.hypervisor.acel", "kvm"))).lines())
                .containsExactlyInAnyOrder("celadon.hypervisor.accel=fast: must be auto, kvm or tcg",
                        "celadon.hypervisor.acel: no such key (celadon.properties); did you mean celadon.hypervisor.accel?");
    }

    @Test
    void anUnknownKeySaysWhereItWasSet() {
        assertThat(StartupFailure.line("java.lang.IllegalStateException: SRCFG00050: celadon.hypervisor.acel in "
                + "PropertiesConfigSource[source=file:/run/celadon/celadon.properties]:12 does not map to any root"))
                .isEqualTo("celadon.hypervisor.acel: no such key (/run/celadon/celadon.properties:12); did you mean "
                        + "celadon.hypervisor.accel?");
        assertThat(StartupFailure.line("SRCFG00050: celadon.git.urll in SysPropConfigSource does not map to any root"))
                .isEqualTo("celadon.git.urll: no such key (a system property: -D, or the appliance's kernel command line);"
                        + " did you mean celadon.git.url?");
    }

    @Test
    void anotherOfSmallRyesProblemsIsItsOwnWordsOnOneLine() {
        assertThat(StartupFailure.line("SRCFG00014: The config property celadon.x is required\nbut it could not be found"))
                .isEqualTo("The config property celadon.x is required; but it could not be found");
    }

    @Test
    void aStateDirFoundBadOnceActedOnIsAConfigurationError() {
        RuntimeException thrown = new RuntimeException("Failed to start quarkus", new IllegalStateException(
                new ConfigException("celadon.state-dir", Path.of("/x"), "cannot be created: Read-only file system", null)));

        assertThat(failure(thrown))
                .isEqualTo(new StartupFailure(List.of("celadon.state-dir=/x: cannot be created: Read-only file system"), 2));
    }

    @Test
    void aStateDirInUseIsOneLineButNoConfigurationError() {
        assertThat(failure(new RuntimeException(new StateDirInUseException(Path.of("/x"), "42")))).isEqualTo(new StartupFailure(
                List.of("the state dir /x is in use by another reconciler (pid 42): two would act on the same partitions;"
                        + " stop it first, or give this one its own celadon.state-dir"), 1));
    }

    @Test
    void anythingElseIsABugToLogWhole() {
        assertThat(StartupFailure.of(new RuntimeException(new NullPointerException()))).isEmpty();
    }
}
