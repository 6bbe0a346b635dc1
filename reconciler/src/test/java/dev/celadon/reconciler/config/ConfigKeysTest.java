package dev.celadon.reconciler.config;

import io.smallrye.config.ConfigMappings;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

class ConfigKeysTest {

    /**
     * SmallRye's own view of the mapping (lists also as {@code dirs[0]}, the same key): a key added to
     * CeladonConfig and not to the list fails here.
     */
    @Test
    void theKeysAreThoseOfTheMapping() {
        Set<String> keys = ConfigMappings.getProperties(ConfigMappings.ConfigClass.configClass(CeladonConfig.class))
                .keySet().stream().map(key -> key.replace("[*]", "")).collect(Collectors.toSet());

        assertThat(keys).containsExactlyInAnyOrderElementsOf(ConfigKeys.ALL);
    }

    @Test
    void aTypoIsAnsweredWithTheKeyMeant() {
        assertThat(ConfigKeys.unknownKey("celadon.hypervisor.acel", "celadon.properties:3"))
                .isEqualTo("celadon.hypervisor.acel: no such key (celadon.properties:3); did you mean celadon.hypervisor.accel?");
        assertThat(ConfigKeys.unknownKey("celadon.git.poll", "x")).endsWith("did you mean celadon.git.poll-interval?");
        assertThat(ConfigKeys.unknownKey("celadon.hypervisr.reserved-memroy", "x"))
                .endsWith("did you mean celadon.hypervisor.reserved-memory?");
    }

    @Test
    void anythingElseIsAnsweredWithEveryKey() {
        assertThat(ConfigKeys.unknownKey("celadon.git.uri", "x")).isEqualTo("celadon.git.uri: no such key (x); did you mean "
                + "celadon.git.url?");
        assertThat(ConfigKeys.unknownKey("celadon.bogus", "x")).isEqualTo("celadon.bogus: no such key (x); the keys are "
                + String.join(", ", ConfigKeys.ALL));
    }

    @Test
    void labelsAreAnyVariableUnderTheirPrefix() {
        assertThat(ConfigKeys.unknownVariables(Map.of("CELADON_APPLIANCE_LABELS_ROLE", "edge"))).isEmpty();
        assertThat(ConfigKeys.unknownVariables(Map.of("CELADON_APPLIANCE_LABELS_", "edge"))).singleElement()
                .asString().startsWith("CELADON_APPLIANCE_LABELS_: no such key");
        assertThat(ConfigKeys.unknownVariables(Map.of("CELADON_APPLIANCE_LABEL_ROLE", "edge"))).singleElement()
                .asString().startsWith("CELADON_APPLIANCE_LABEL_ROLE: no such key");
    }

    @Test
    void imageCredentialsAreAnyNameBetweenTheirPrefixAndField() {
        assertThat(ConfigKeys.unknownVariables(Map.of("CELADON_IMAGES_CREDENTIALS_MIRROR_TOKEN_FILE", "/etc/t",
                "CELADON_IMAGES_CREDENTIALS_MY_MIRROR_URL_PREFIX", "https://m/"))).isEmpty();
        assertThat(ConfigKeys.unknownVariables(Map.of("CELADON_IMAGES_CREDENTIALS__TOKEN_FILE", "/etc/t"))).singleElement()
                .asString().startsWith("CELADON_IMAGES_CREDENTIALS__TOKEN_FILE: no such key");
        assertThat(ConfigKeys.unknownVariables(Map.of("CELADON_IMAGES_CREDENTIALS_MIRROR_TOKEN", "t"))).singleElement()
                .asString().startsWith("CELADON_IMAGES_CREDENTIALS_MIRROR_TOKEN: no such key");
    }

    @Test
    void distanceCountsEdits() {
        assertThat(ConfigKeys.distance("accel", "accel")).isZero();
        assertThat(ConfigKeys.distance("acel", "accel")).isEqualTo(1);
        assertThat(ConfigKeys.distance("kvm", "tcg")).isEqualTo(3);
        assertThat(ConfigKeys.distance("", "tcg")).isEqualTo(3);
    }
}
