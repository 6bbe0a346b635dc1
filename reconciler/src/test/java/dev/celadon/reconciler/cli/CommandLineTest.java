package dev.celadon.reconciler.cli;

import dev.celadon.reconciler.spec.SpecRules;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

class CommandLineTest {

    private static final String VALID = """
            apiVersion: celadon.dev/v1alpha1
            kind: Partition
            metadata: {name: %s}
            spec: {cpus: 1, memory: 128Mi, boot: {kernel: tiny/vmlinuz}}
            """;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @Test
    void noArgumentsOrRunStartTheReconciler() {
        assertThat(commandLine().execute(List.of())).isEqualTo(new CommandLine.RunReconciler(List.of()));
        assertThat(commandLine().execute(List.of("run"))).isEqualTo(new CommandLine.RunReconciler(List.of()));
        assertThat(out.size() + err.size()).isZero();
    }

    @Test
    void everyVariableThatNamesAKeyStartsTheReconciler() {
        Map<String, String> environment = Map.of("CELADON_GIT_URL", "file:///srv/fleet.git",
                "CELADON_GIT_POLL_INTERVAL", "1s", "CELADON_APPLIANCE_LABELS_RACK", "r12", "PATH", "/usr/bin");

        assertThat(commandLine(environment, new Properties()).execute(List.of()))
                .isEqualTo(new CommandLine.RunReconciler(List.of()));
        assertThat(stderr()).isEmpty();
    }

    /** SmallRye ignores them: a typo in CELADON_GIT_URL would have started the reconciler on the demo repository. */
    @Test
    void aVariableThatNamesNoKeyIsAConfigurationErrorWithoutItsValue() {
        Map<String, String> environment = Map.of("CELADON_GIT_URLL", "https://user:secret@git.example/fleet.git",
                "CELADON_TOKEN", "s3cr3t");

        assertThat(commandLine(environment, new Properties()).execute(List.of("run"))).isEqualTo(new CommandLine.Exit(2));
        assertThat(stdout()).isEmpty();
        assertThat(stderr().lines()).containsExactly(
                "celadon: CELADON_GIT_URLL: no such key (an environment variable); did you mean CELADON_GIT_URL?",
                "celadon: CELADON_TOKEN: no such key (an environment variable); the keys are CELADON_GIT_URL, "
                        + "CELADON_GIT_BRANCH, CELADON_GIT_REF, CELADON_GIT_PATH, CELADON_GIT_POLL_INTERVAL, "
                        + "CELADON_GIT_SSH_KEY_FILE, CELADON_GIT_KNOWN_HOSTS_FILE, CELADON_GIT_TOKEN_FILE, "
                        + "CELADON_GIT_VERIFY, CELADON_GIT_TRUSTED_KEYS_FILE, CELADON_GIT_ALLOWED_SIGNERS_FILE, CELADON_STATE_DIR, "
                        + "CELADON_IMAGES_DIRS, CELADON_IMAGES_MAX_BYTES, CELADON_IMAGES_CACHE_RETENTION, "
                        + "CELADON_IMAGES_CA_FILE, CELADON_IMAGES_CREDENTIALS_*_URL_PREFIX, "
                        + "CELADON_IMAGES_CREDENTIALS_*_TOKEN_FILE, CELADON_IMAGES_CREDENTIALS_*_PASSWORD_FILE, "
                        + "CELADON_PASSTHROUGH_ALLOWED, CELADON_APPLIANCE_NAME, "
                        + "CELADON_APPLIANCE_LABELS_*, CELADON_APPLIANCE_BOOT_FILE, CELADON_NETWORK_UPLINK, CELADON_NETWORK_ADDRESS, "
                        + "CELADON_NETWORK_GATEWAY, CELADON_NETWORK_DNS, CELADON_NETWORK_BRIDGES_*_UPLINK, "
                        + "CELADON_HYPERVISOR_QEMU_BINARY, CELADON_HYPERVISOR_ACCEL, "
                        + "CELADON_HYPERVISOR_RESERVED_MEMORY, CELADON_HYPERVISOR_ISOLATION, CELADON_HYPERVISOR_WORKER_IDS, "
                        + "CELADON_HYPERVISOR_WORKER_MEMORY_OVERHEAD, CELADON_HYPERVISOR_WORKER_PIDS_MAX, "
                        + "CELADON_LOOP_ENABLED, CELADON_EVENTS_RETAINED");
    }

    @Test
    void validateReportsTheCountOfAValidFolder(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("a.yaml"), VALID.formatted("a") + "---\n" + VALID.formatted("b"));

        assertThat(commandLine().execute(List.of("validate", dir.toString()))).isEqualTo(new CommandLine.Exit(0));
        assertThat(stdout()).isEqualTo("2 partitions valid\n");
        assertThat(stderr()).isEmpty();
    }

    @Test
    void validateSaysPartitionForOne(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("a.yaml"), VALID.formatted("a"));

        commandLine().execute(List.of("validate", dir.toString()));

        assertThat(stdout()).isEqualTo("1 partition valid\n");
    }

    @Test
    void validatePrintsOneLinePerErrorNamedAsTyped(@TempDir Path dir) throws IOException {
        Files.createDirectories(dir.resolve("sub"));
        Files.writeString(dir.resolve("a.yaml"), VALID.formatted("a").replace("cpus: 1", "cpus: 0"));
        Files.writeString(dir.resolve("sub/b.yaml"), VALID.formatted("a"));

        assertThat(commandLine().execute(List.of("validate", dir + "/"))).isEqualTo(new CommandLine.Exit(1));
        assertThat(stdout()).isEmpty();
        assertThat(stderr().lines()).containsExactly(
                dir + "/a.yaml:4:14: spec.cpus: 0 is out of range; use 1 to 256",
                dir + "/sub/b.yaml:3:18: metadata.name: duplicate partition name \"a\"; already defined at a.yaml:3:18");
    }

    /**
     * With images dirs, validate also checks what only the host can tell, as the hypervisor does before a
     * restart: a file not there, a link out of the images dirs. Each is a FILE:LINE line, exit 1.
     */
    @Test
    void validateWithImagesDirsChecksTheFilesTheSpecsName(@TempDir Path dir) throws IOException {
        Path specs = Files.createDirectories(dir.resolve("specs"));
        Path images = Files.createDirectories(dir.resolve("images/tiny"));
        Files.writeString(images.resolve("vmlinuz"), "a kernel");
        Files.createSymbolicLink(images.resolve("escape"), Path.of("/etc/hostname"));
        Files.writeString(specs.resolve("a.yaml"), VALID.formatted("a"));
        String imagesDir = dir.resolve("images").toString();
        assertThat(commandLine().execute(List.of("validate", "--images-dir", imagesDir, specs.toString())))
                .isEqualTo(new CommandLine.Exit(0));

        Files.writeString(specs.resolve("b.yaml"), VALID.formatted("b").replace("tiny/vmlinuz", "tiny/absent"));
        Files.writeString(specs.resolve("c.yaml"), VALID.formatted("c").replace("tiny/vmlinuz", "tiny/escape"));
        assertThat(commandLine().execute(List.of("validate", specs.toString()))).as("without images dirs, only the form")
                .isEqualTo(new CommandLine.Exit(0));
        err.reset();
        assertThat(commandLine().execute(List.of("validate", "--images-dir", imagesDir, specs.toString())))
                .isEqualTo(new CommandLine.Exit(1));
        assertThat(stderr().lines().toList()).containsExactlyInAnyOrder(
                specs + "/b.yaml:1:1: spec.boot.kernel: tiny/absent not found in the images dirs [" + imagesDir + "]",
                specs + "/c.yaml:1:1: spec.boot.kernel: tiny/escape resolves to /etc/hostname, outside the images dirs ["
                        + dir.resolve("images").toRealPath() + "]");
    }

    /** A NIC on a bridge this host lacks (no bridge named so; an interface that is no bridge) is a host error too. */
    @Test
    void validateWithImagesDirsChecksTheBridgesTheNicsName(@TempDir Path dir) throws IOException {
        Path specs = Files.createDirectories(dir.resolve("specs"));
        Files.writeString(Files.createDirectories(dir.resolve("images/tiny")).resolve("vmlinuz"), "a kernel");
        String nic = "spec: {cpus: 1, memory: 128Mi, boot: {kernel: tiny/vmlinuz}, networks: [{name: lan, bridge: %s}]}";
        Files.writeString(specs.resolve("a.yaml"), VALID.formatted("a").replaceFirst("spec: .*", nic.formatted("cdabsent0")));
        Files.writeString(specs.resolve("b.yaml"), VALID.formatted("b").replaceFirst("spec: .*", nic.formatted("lo")));
        assertThat(commandLine().execute(List.of("validate", specs.toString()))).isEqualTo(new CommandLine.Exit(0));
        assertThat(commandLine().execute(List.of("validate", "--images-dir", dir.resolve("images").toString(), specs.toString())))
                .isEqualTo(new CommandLine.Exit(1));
        assertThat(stderr().lines().toList()).containsExactlyInAnyOrder(
                specs + "/a.yaml:1:1: spec.networks[0].bridge: there is no bridge cdabsent0 on this host",
                specs + "/b.yaml:1:1: spec.networks[0].bridge: lo is a network interface of this host but not a bridge");
    }

    /** validate downloads nothing: a disk over an image by URL is checked for its form, with or without images dirs. */
    @Test
    void validateChecksAnImageUrlsFormOnly(@TempDir Path dir) throws IOException {
        Path specs = Files.createDirectories(dir.resolve("specs"));
        Files.writeString(Files.createDirectories(dir.resolve("images/tiny")).resolve("vmlinuz"), "a kernel");
        String disk = "spec: {cpus: 1, memory: 128Mi, boot: {kernel: tiny/vmlinuz}, disks: [{name: root, image: "
                + "{url: \"http://127.0.0.1:1/never-fetched.qcow2\", sha256: %s}}]}";
        Files.writeString(specs.resolve("a.yaml"), VALID.formatted("a").replaceFirst("spec: .*", disk.formatted("ab".repeat(32))));
        String imagesDir = dir.resolve("images").toString();
        assertThat(commandLine().execute(List.of("validate", "--images-dir", imagesDir, specs.toString())))
                .isEqualTo(new CommandLine.Exit(0));

        Files.writeString(specs.resolve("a.yaml"), VALID.formatted("a").replaceFirst("spec: .*", disk.formatted("AB")));
        assertThat(commandLine().execute(List.of("validate", specs.toString()))).isEqualTo(new CommandLine.Exit(1));
        assertThat(stderr()).startsWith(specs + "/a.yaml:4:").contains(": spec.disks[0].image.sha256: a SHA-256 is 64 "
                + "lower-case hex digits");
    }

    @Test
    void usageErrorsExitWithTwo(@TempDir Path dir) {
        for (List<String> args : List.of(
                List.of("validate"),
                List.of("validate", dir.toString(), "extra"),
                List.of("run", "now"),
                List.of("frobnicate"),
                List.of("validate", dir.resolve("missing").toString()),
                List.of("validate", "--images-dir"),
                List.of("validate", "--images-dir", dir.toString()),
                List.of("validate", "--images-dir", dir.resolve("missing").toString(), dir.toString()))) {
            assertThat(commandLine().execute(args)).as("%s", args).isEqualTo(new CommandLine.Exit(2));
        }
        assertThat(stdout()).isEmpty();
        assertThat(stderr()).contains("celadon: validate takes one folder", "celadon: run takes no arguments",
                "celadon: unknown command \"frobnicate\"", "missing: no such folder", "usage: ");
    }

    @Test
    void helpGoesToStdout() {
        assertThat(commandLine().execute(List.of("--help"))).isEqualTo(new CommandLine.Exit(0));
        assertThat(stdout()).startsWith("usage: ");
    }

    @Test
    void passThroughPolicyComesFromTheSystemPropertyThenTheEnvironment() {
        Properties properties = new Properties();
        Map<String, String> environment = Map.of("CELADON_PASSTHROUGH_ALLOWED", "/dev/disk/by-id, /dev/mapper");

        assertThat(commandLine(environment, new Properties()).passthroughRules())
                .isEqualTo(new SpecRules(List.of("/dev/disk/by-id", "/dev/mapper")));
        properties.setProperty("celadon.passthrough.allowed", "/dev/sdb,");
        assertThat(commandLine(environment, properties).passthroughRules()).isEqualTo(new SpecRules(List.of("/dev/sdb")));
        assertThat(commandLine(Map.of(), new Properties()).passthroughRules()).isEqualTo(SpecRules.DEFAULT);
    }

    private CommandLine commandLine() {
        return commandLine(Map.of(), new Properties());
    }

    private CommandLine commandLine(Map<String, String> environment, Properties properties) {
        return new CommandLine(environment, properties, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String stdout() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String stderr() {
        return err.toString(StandardCharsets.UTF_8);
    }
}
