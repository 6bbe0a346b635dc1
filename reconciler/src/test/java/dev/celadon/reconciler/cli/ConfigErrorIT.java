package dev.celadon.reconciler.cli;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * The packaged reconciler started with a bad configuration, as an operator or the appliance's console
 * sees it: exit status 2, one line on stderr naming the key, the value and what is allowed, no stack
 * trace and nothing on stdout.
 */
class ConfigErrorIT {


    @TempDir
    static Path dir;

    @BeforeAll
    static void aFileWhereAFolderShouldBe() throws IOException {
        Files.writeString(dir.resolve("a-file"), "");
        Files.writeString(dir.resolve("celadon.properties"), "celadon.git.branch=main\nceladon.hypervisor.acel=kvm\n");
    }

    static Stream<Arguments> badConfigurations() {
        String tooLong = dir.resolve("x".repeat(90)).toString();
        return Stream.of(
                arguments("an accelerator that is none", Map.of(), List.of("-Dceladon.hypervisor.accel=fast"),
                        "celadon.hypervisor.accel=fast: must be auto, kvm or tcg"),
                arguments("a key that is none", Map.of(), List.of("-Dceladon.hypervisor.acel=kvm"),
                        "celadon.hypervisor.acel: no such key (a system property: -D, or the appliance's kernel command"
                                + " line); did you mean celadon.hypervisor.accel?"),
                arguments("a key that is none, in a file", Map.of(),
                        List.of("-Dquarkus.config.locations=file:" + dir.resolve("celadon.properties")),
                        "celadon.hypervisor.acel: no such key (" + dir.resolve("celadon.properties") + ":2); did you mean"
                                + " celadon.hypervisor.accel?"),
                arguments("a variable that names no key", Map.of("CELADON_GIT_URLL", "file:///srv/fleet.git"), List.of(),
                        "CELADON_GIT_URLL: no such key (an environment variable); did you mean CELADON_GIT_URL?"),
                arguments("a duration that is none", Map.of("CELADON_GIT_POLL_INTERVAL", "soon"), List.of(),
                        "celadon.git.poll-interval=soon: must be a duration of more than zero, e.g. 5s, 500ms or 2m"),
                arguments("a size that is none", Map.of("CELADON_HYPERVISOR_RESERVED_MEMORY", "512MB"), List.of(),
                        "celadon.hypervisor.reserved-memory=512MB: must be a size: a whole number with Ki, Mi, Gi or Ti,"
                                + " or plain bytes, e.g. 512Mi"),
                arguments("a state dir that cannot be created", Map.of("CELADON_STATE_DIR", dir + "/a-file/state"), List.of(),
                        "celadon.state-dir=" + dir + "/a-file/state: cannot be created: Not a directory"),
                arguments("a state dir too long for sockets", Map.of("CELADON_STATE_DIR", tooLong), List.of(),
                        "celadon.state-dir=" + tooLong + ": the state dir " + tooLong + "/hypervisor is "
                                + (tooLong.length() + "/hypervisor".length()) + " bytes long; worker sockets under it fit in"
                                + " a Unix socket address only if it is at most 79"),
                arguments("an image credential file that is not there", Map.of(
                        "CELADON_IMAGES_CREDENTIALS_MIRROR_URL_PREFIX", "https://images.example.org/",
                        "CELADON_IMAGES_CREDENTIALS_MIRROR_TOKEN_FILE", dir + "/absent-token"), List.of(),
                        "celadon.images.credentials.mirror.token-file=" + dir + "/absent-token: not a readable file"),
                arguments("a signature mode that is none", Map.of("CELADON_GIT_VERIFY", "gpg"), List.of(),
                        "celadon.git.verify=gpg: must be none, openpgp, ssh or any"),
                arguments("signatures asked for without keys", Map.of("CELADON_GIT_VERIFY", "openpgp"), List.of(),
                        "celadon.git.verify=openpgp: needs celadon.git.trusted-keys-file"),
                arguments("a trusted keys file that holds no key", Map.of("CELADON_GIT_VERIFY", "openpgp",
                        "CELADON_GIT_TRUSTED_KEYS_FILE", dir + "/a-file"), List.of(),
                        "celadon.git.trusted-keys-file=" + dir + "/a-file: holds no ASCII-armored OpenPGP public key"
                                + " (gpg --armor --export)"),
                arguments("a Git URL of no scheme Git speaks", Map.of("CELADON_GIT_URL", "ftp://carol:Se#cr?et@host/fleet.git"),
                        List.of(), "celadon.git.url has an unsupported scheme"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badConfigurations")
    void isOneLineAndExitStatusTwo(String what, Map<String, String> environment, List<String> jvmOptions, String line)
            throws IOException, InterruptedException {
        Map<String, String> env = new HashMap<>(Map.of(
                "CELADON_STATE_DIR", dir.resolve("state").toString(),
                // Never the embedded demo repository: nothing here may reach a clone.
                "CELADON_GIT_URL", dir.resolve("no-repository.git").toUri().toString(),
                "QUARKUS_HTTP_PORT", "0"));
        env.putAll(environment);

        PackagedJar.Result result = PackagedJar.run(jvmOptions, List.of(), env);

        assertThat(result.stderr()).startsWith("celadon: " + line).endsWith("\n").hasLineCount(1)
                .doesNotContain("Se#cr?et");
        assertThat(result.stdout()).isEmpty();
        assertThat(result.exit()).isEqualTo(2);
    }
}
