package dev.celadon.reconciler.spec;

import dev.celadon.hypervisor.CloudInit;
import dev.celadon.hypervisor.PartitionName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code spec.cloudInit}: inline and file user-data, the network config, and every error at its FILE:LINE. */
class CloudInitSpecTest {

    private static final String HEAD = """
            apiVersion: celadon.dev/v1alpha1
            kind: Partition
            metadata: {name: web}
            spec:
              cpus: 1
              memory: 128Mi
              boot: {kernel: tiny/vmlinuz}
              cloudInit:
            """;
    private static final String USER_DATA = """
            #cloud-config
            users:
              - name: ops
                ssh_authorized_keys: [ "ssh-ed25519 AAAA ops@example" ]
            runcmd:
              - [ touch, /var/tmp/provisioned ]
            """;

    @TempDir
    Path dir;

    private static String indent(String text) {
        return text.lines().map(line -> line.isEmpty() ? line : "      " + line).reduce("", (a, b) -> a + b + "\n");
    }

    private SpecSet load(Map<String, String> files) throws IOException {
        for (Map.Entry<String, String> file : files.entrySet()) {
            Path path = dir.resolve(file.getKey());
            Files.createDirectories(path.getParent());
            Files.writeString(path, file.getValue());
        }
        return SpecLoader.load(dir, SpecRules.DEFAULT);
    }

    private List<String> errors(Map<String, String> files) throws IOException {
        return load(files).errors().stream().map(SpecError::toString).toList();
    }

    @Test
    void inlineUserDataAndNetworkConfigBecomeTheSeed() throws IOException {
        String network = "version: 2\nethernets:\n  eth0: {dhcp4: true}\n";
        SpecSet set = load(Map.of("web.yaml", HEAD + "    userData: |\n" + indent(USER_DATA) + "    networkConfig: |\n" + indent(network)));

        assertThat(set.errors()).isEmpty();
        assertThat(set.partitions().getFirst().vm().cloudInit())
                .hasValue(CloudInit.of(new PartitionName("web"), USER_DATA, Optional.of(network)));
    }

    @Test
    void userDataFileIsReadRelativeToTheSpecsFolder() throws IOException {
        SpecSet set = load(Map.of(
                "team/web.yaml", HEAD + "    userDataFile: cloud-init/web.user-data\n",
                "team/cloud-init/web.user-data", USER_DATA,
                "shared/base.sh", "#!/bin/sh\necho hello\n",
                "team/other.yaml", HEAD.replace("name: web", "name: other") + "    userDataFile: ../shared/base.sh\n"));

        assertThat(set.errors()).isEmpty();
        assertThat(set.partitions()).map(p -> p.vm().cloudInit().orElseThrow().userData())
                .containsExactly("#!/bin/sh\necho hello\n", USER_DATA);
    }

    @Test
    void anEmptyCloudInitIsAnEmptyUserData() throws IOException {
        SpecSet set = load(Map.of("web.yaml", HEAD.replace("cloudInit:\n", "cloudInit: {}\n")));

        assertThat(set.errors()).isEmpty();
        assertThat(set.partitions().getFirst().vm().cloudInit()).hasValue(CloudInit.of(new PartitionName("web"), "", Optional.empty()));
    }

    @Test
    void invalidCloudConfigPointsAtItsLineInTheSpec() throws IOException {
        // The user-data starts on line 10 of the spec; YAML finds the unclosed list on its fifth line.
        String broken = "#cloud-config\nusers:\n  - name: ops\n    groups: [sudo\nruncmd: []\n";
        assertThat(errors(Map.of("web.yaml", HEAD + "    userData: |\n" + indent(broken)))).singleElement().asString()
                .startsWith("web.yaml:14:").contains("spec.cloudInit.userData: a #cloud-config user-data is not valid YAML:");
    }

    @Test
    void invalidCloudConfigInAFilePointsAtItsLineInTheFile() throws IOException {
        assertThat(errors(Map.of("web.yaml", HEAD + "    userDataFile: web.user-data\n",
                "web.user-data", "#cloud-config\npackages: [nginx\n"))).singleElement().asString()
                .startsWith("web.user-data:2:").contains("spec.cloudInit.userDataFile: a #cloud-config user-data is not valid YAML");
    }

    @Test
    void cloudConfigMustBeOneMapping() throws IOException {
        assertThat(errors(Map.of("web.yaml", HEAD + "    userData: |\n" + indent("#cloud-config\n- a list\n")))).containsExactly(
                "web.yaml:11:1: spec.cloudInit.userData: a #cloud-config user-data must be a YAML mapping (key: value lines), not a list");
        assertThat(errors(Map.of("web.yaml", HEAD + "    userData: |\n" + indent("#cloud-config\na: 1\n---\nb: 2\n")))).containsExactly(
                "web.yaml:13:1: spec.cloudInit.userData: a #cloud-config user-data is one YAML document; this is a second one");
    }

    @Test
    void otherUserDataIsNotReadAsYaml() throws IOException {
        SpecSet set = load(Map.of("web.yaml", HEAD + "    userData: |\n" + indent("#!/bin/sh\necho 'a: [b'\n")));

        assertThat(set.errors()).isEmpty();
    }

    @Test
    void aQuotedUserDataSaysWhichLineOfItsText() throws IOException {
        assertThat(errors(Map.of("web.yaml", HEAD + "    userData: \"#cloud-config\\nx: [\\n\"\n"))).singleElement().asString()
                .startsWith("web.yaml:9:15: spec.cloudInit.userData: a #cloud-config user-data is not valid YAML")
                .endsWith("(line 2 of the text; a literal block, |, shows the spec's own line)");
    }

    @Test
    void aUserDataEscapePastUnicodeIsNotValidYaml() throws IOException {
        assertThat(errors(Map.of("web.yaml", HEAD + "    userData: \"#cloud-config\\nx: \\\"\\\\UFFFFFFFF\\\"\"\n"))).singleElement().asString()
                .startsWith("web.yaml:9:15:").contains("a #cloud-config user-data is not valid YAML: " + ReaderFailures.BAD_ESCAPE);
    }

    @Test
    void networkConfigMustBeAYamlMapping() throws IOException {
        assertThat(errors(Map.of("web.yaml", HEAD + "    networkConfig: |\n" + indent("version: 2\nethernets: {eth0: [\n"))))
                .singleElement().asString().startsWith("web.yaml:1").contains("spec.cloudInit.networkConfig: a network config is not valid YAML");
        assertThat(errors(Map.of("web.yaml", HEAD + "    networkConfig: just text\n"))).containsExactly(
                "web.yaml:9:20: spec.cloudInit.networkConfig: a network config must be a YAML mapping (key: value lines), not the"
                        + " string \"just text\" (line 1 of the text; a literal block, |, shows the spec's own line)");
    }

    @Test
    void fieldsAndTheirTypes() throws IOException {
        assertThat(errors(Map.of("web.yaml", HEAD + "    userData: x\n    userDataFile: y\n    netConfig: z\n"))).containsExactly(
                "web.yaml:9:5: spec.cloudInit: set either userData (the text) or userDataFile (a file next to the spec), not both",
                "web.yaml:11:5: spec.cloudInit.netConfig: unknown field; allowed: userData, userDataFile, networkConfig");
        assertThat(errors(Map.of("web.yaml", HEAD + "    userData: [a]\n"))).containsExactly(
                "web.yaml:9:15: spec.cloudInit.userData: expected a string, got a list");
        assertThat(errors(Map.of("web.yaml", HEAD.replace("cloudInit:\n", "cloudInit: yes\n")))).containsExactly(
                "web.yaml:8:14: spec.cloudInit: expected a mapping, got the string \"yes\"");
    }

    @Test
    void userDataFileStaysInTheSpecFolder(@TempDir Path outside) throws IOException {
        Files.writeString(outside.resolve("secret"), "#cloud-config\npassword: hunter2\n");
        Files.createSymbolicLink(dir.resolve("link"), outside.resolve("secret"));
        Files.createDirectories(dir.resolve("linked"));
        Files.createSymbolicLink(dir.resolve("linked/dir"), outside);
        Files.createDirectories(dir.resolve(".git"));
        Files.writeString(dir.resolve(".git/config"), "[core]\n");
        Files.createDirectories(dir.resolve("folder"));
        String spec = "---\n" + HEAD.replace("name: web", "name: %s") + "    userDataFile: %s\n";
        StringBuilder specs = new StringBuilder();
        List<String> paths = List.of("/etc/passwd", "../secret", "a/../../secret", "link", "linked/dir/secret", ".git/config",
                "missing", "folder", "");
        for (int i = 0; i < paths.size(); i++) {
            specs.append(spec.formatted("p" + i, "\"" + paths.get(i) + "\""));
        }

        // The linked folder is reported by the loader as well; here the spec's own errors count.
        assertThat(errors(Map.of("web.yaml", specs.toString()))).filteredOn(e -> e.startsWith("web.yaml:")).map(e -> e.replaceFirst("web.yaml:\\d+:\\d+: spec.cloudInit.userDataFile: ", ""))
                .containsExactly(
                        "invalid path \"/etc/passwd\": it is absolute; use a path relative to the spec's own folder",
                        "invalid path \"../secret\": it leaves the repository",
                        "invalid path \"a/../../secret\": it leaves the repository",
                        "\"link\" goes through a symbolic link (link); commit the file itself",
                        "\"linked/dir/secret\" goes through a symbolic link (dir); commit the file itself",
                        "invalid path \".git/config\": it names a hidden file or folder (.git), which specs never read",
                        "no such file \"missing\" (the path is relative to the spec's own folder)",
                        "\"folder\" is not a file",
                        "invalid path \"\": it is empty");
    }

    @Test
    void aUserDataFileMayLieAnywhereInTheRepositoryButNowhereElse() throws IOException {
        Path repo = dir.resolve("repo");
        Path specs = repo.resolve("partitions");
        Files.createDirectories(repo.resolve(".git"));
        Files.createDirectories(repo.resolve("cloud-init"));
        Files.createDirectories(repo.resolve(".secrets"));
        Files.createDirectories(specs);
        Files.writeString(repo.resolve("cloud-init/web.yaml"), USER_DATA);
        Files.writeString(repo.resolve("cloud-init/broken.user-data"), "#cloud-config\nusers: [\n");
        Files.writeString(repo.resolve(".secrets/key"), USER_DATA);
        Files.writeString(dir.resolve("outside.user-data"), USER_DATA);
        String spec = "---\n" + HEAD.replace("name: web", "name: %s") + "    userDataFile: %s\n";
        Files.writeString(specs.resolve("web.yaml"), spec.formatted("web", "../cloud-init/web.yaml")
                + spec.formatted("broken", "../cloud-init/broken.user-data")
                + spec.formatted("hidden", "../.secrets/key")
                + spec.formatted("outside", "../../outside.user-data"));

        SpecSet set = SpecLoader.load(specs, SpecRules.DEFAULT);

        assertThat(set.partitions()).singleElement().satisfies(web -> assertThat(web.vm().cloudInit().orElseThrow().userData())
                .as("outside the spec folder, a .yaml name is no spec file").isEqualTo(USER_DATA));
        assertThat(set.errors().stream().map(SpecError::toString)).containsExactly(
                "../cloud-init/broken.user-data:2:1: spec.cloudInit.userDataFile: a #cloud-config user-data is not valid YAML:"
                        + " expected the node content, but found '<stream end>'",
                "web.yaml:30:19: spec.cloudInit.userDataFile: invalid path \"../.secrets/key\": it names a hidden file or"
                        + " folder (.secrets), which specs never read",
                "web.yaml:40:19: spec.cloudInit.userDataFile: invalid path \"../../outside.user-data\": it leaves the repository");
    }

    @Test
    void aUserDataFileIsNoSpecFile() throws IOException {
        assertThat(errors(Map.of("web.yaml", HEAD + "    userDataFile: web.cloud.yml\n"))).containsExactly(
                "web.yaml:9:19: spec.cloudInit.userDataFile: invalid path \"web.cloud.yml\": every .yaml and .yml file of the"
                        + " spec folder is read as partition specs; name it otherwise, e.g. web.user-data");
    }

    @Test
    void aMissingUserDataFileIsAnErrorAtItsLine() throws IOException {
        assertThat(errors(Map.of("web.yaml", HEAD + "    userDataFile: web.cfg\n"))).containsExactly(
                "web.yaml:9:19: spec.cloudInit.userDataFile: no such file \"web.cfg\" (the path is relative to the spec's own folder)");
    }

    @Test
    void sizesAreBoundedAndTheLargestFits() throws IOException {
        String largest = "#cloud-config\n# " + "x".repeat(InputLimits.MAX_USER_DATA_BYTES - 17) + "\n";
        assertThat(largest.getBytes(StandardCharsets.UTF_8)).hasSize(InputLimits.MAX_USER_DATA_BYTES);
        assertThat(errors(Map.of("web.yaml", HEAD + "    userDataFile: big\n", "big", largest))).isEmpty();
        assertThat(errors(Map.of("web.yaml", HEAD + "    userDataFile: big\n", "big", largest + "x"))).containsExactly(
                "web.yaml:9:19: spec.cloudInit.userDataFile: \"big\" has 65,537 bytes; at most 65,536 (64Ki)");
        // Inline, counted in UTF-8: 'é' is two bytes.
        String inline = "é".repeat(InputLimits.MAX_USER_DATA_BYTES / 2 + 1);
        assertThat(errors(Map.of("web.yaml", HEAD + "    userData: " + inline + "\n"))).containsExactly(
                "web.yaml:9:15: spec.cloudInit.userData: has 65,538 bytes in UTF-8; at most 65,536 (64Ki)");
        String network = "version: 2\n# " + "x".repeat(InputLimits.MAX_NETWORK_CONFIG_BYTES) + "\n";
        assertThat(errors(Map.of("web.yaml", HEAD + "    networkConfig: |\n" + indent(network)))).singleElement().asString()
                .contains("spec.cloudInit.networkConfig: has 16,398 bytes in UTF-8; at most 16,384 (16Ki)");
    }

    @Test
    void specsGivenAsContentCannotNameAFile() {
        assertThat(SpecLoader.parse(Map.of("web.yaml", HEAD + "    userDataFile: x\n"), SpecRules.DEFAULT).errors())
                .map(SpecError::toString)
                .containsExactly("web.yaml:9:19: spec.cloudInit.userDataFile: specs given as content have no folder to read \"x\" from");
    }
}
