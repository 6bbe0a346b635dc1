package dev.celadon.reconciler.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code quarkus-run.jar validate DIR} as a real process on the packaged application. */
class ValidateCommandIT {



    /**
     * The HTTP port is taken beforehand and handed to Quarkus: had validate booted the server, the
     * bind would fail and the exit status with it.
     */
    @Test
    void aValidFolderExitsZeroWithoutStartingTheServer() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            PackagedJar.Result result = run(Map.of(), "-Dquarkus.http.port=" + taken.getLocalPort(), "-Dquarkus.http.host=127.0.0.1",
                    "validate", repositoryRoot().resolve("partitions.d").toString());

            assertThat(result.stderr()).isEmpty();
            assertThat(result.stdout()).isEqualTo("4 partitions valid\n");
            assertThat(result.exit()).isZero();
        }
    }

    @Test
    void anInvalidFolderExitsOneWithOneLinePerError(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("web.yaml"), """
                apiVersion: celadon.dev/v1alpha1
                kind: Partition
                metadata: {name: web}
                spec:
                  cpus: 1
                  memory: 12XB
                  boot: {kernel: /boot/vmlinuz}
                """);
        Files.writeString(dir.resolve("db.yml"), "apiVersion: celadon.dev/v1alpha1\nkind: Partition\nmetadata: {name: db}\nspec: [\n");

        PackagedJar.Result result = run(Map.of(), "validate", dir.toString());

        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.stdout()).isEmpty();
        assertThat(result.stderr().lines()).containsExactly(
                dir + "/db.yml:5:1: invalid YAML: expected the node content, but found '<stream end>' (while parsing a flow node)",
                dir + "/web.yaml:6:11: spec.memory: invalid quantity \"12XB\": use a number with Ki, Mi, Gi or Ti, or plain bytes",
                dir + "/web.yaml:7:18: spec.boot.kernel: invalid image path \"/boot/vmlinuz\": it starts with \"/\"; use a path relative to the image directories, e.g. tiny/vmlinuz");
    }

    @Test
    void passThroughPolicyComesFromTheEnvironment() throws Exception {
        String homelab = repositoryRoot().resolve("examples/homelab/partitions.d").toString();

        assertThat(run(Map.of(), "validate", homelab).exit()).isEqualTo(1);
        assertThat(run(Map.of("CELADON_PASSTHROUGH_ALLOWED", "/dev/disk/by-id"), "validate", homelab))
                .isEqualTo(new PackagedJar.Result(0, "3 partitions valid\n", ""));
    }

    @Test
    void aUsageErrorExitsTwo() throws Exception {
        PackagedJar.Result result = run(Map.of(), "validate");

        assertThat(result.exit()).isEqualTo(2);
        assertThat(result.stderr()).startsWith("celadon: validate takes one folder\nusage: ");
    }

    /** Arguments starting with {@code -D} go to the JVM, the rest to the application. */
    /** Arguments starting with -D go to the JVM, the rest to the reconciler. */
    private static PackagedJar.Result run(Map<String, String> environment, String... args)
            throws IOException, InterruptedException {
        List<String> jvmOptions = new ArrayList<>();
        List<String> appArgs = new ArrayList<>();
        for (String arg : args) {
            (arg.startsWith("-D") ? jvmOptions : appArgs).add(arg);
        }
        return PackagedJar.run(jvmOptions, appArgs, environment);
    }

    private static Path repositoryRoot() {
        return Path.of("").toAbsolutePath().getParent();
    }
}
