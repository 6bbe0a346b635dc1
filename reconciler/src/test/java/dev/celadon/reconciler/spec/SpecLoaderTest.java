package dev.celadon.reconciler.spec;

import dev.celadon.hypervisor.BootConfig;
import dev.celadon.hypervisor.DiskConfig;
import dev.celadon.hypervisor.Firmware;
import dev.celadon.hypervisor.GuestProfile;
import dev.celadon.hypervisor.IntegrationServices;
import dev.celadon.hypervisor.NetworkConfig;
import dev.celadon.hypervisor.PartitionName;
import dev.celadon.hypervisor.PciAddress;
import dev.celadon.hypervisor.VmConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class SpecLoaderTest {

    private static final String MINIMAL = """
            apiVersion: celadon.dev/v1alpha1
            kind: Partition
            metadata: {name: %s}
            spec: {cpus: 1, memory: 128Mi, boot: {kernel: tiny/vmlinuz}}
            """;

    @Test
    void appliesTheDocumentedDefaults() {
        SpecSet set = SpecLoader.parse(Map.of("a.yaml", MINIMAL.formatted("a")), SpecRules.DEFAULT);

        assertThat(set.errors()).isEmpty();
        Partition a = set.partitions().getFirst();
        assertThat(a.runState()).isEqualTo(RunState.RUNNING);
        assertThat(a.placement()).isEqualTo(Placement.EVERYWHERE);
        assertThat(a.restartPolicy()).isEqualTo(RestartPolicy.ALWAYS);
        assertThat(a.deletionPolicy()).isEqualTo(DeletionPolicy.RETAIN);
        assertThat(a.protectedFromDeletion()).isFalse();
        assertThat(a.rollout()).isEqualTo(new Rollout(Rollout.Strategy.RESTART, java.time.Duration.ofMinutes(2)));
        assertThat(a.labels()).isEmpty();
        assertThat(a.source()).isEqualTo(new SourceLocation("a.yaml", 1, 1));
        assertThat(a.vm()).isEqualTo(new VmConfig(new PartitionName("a"), GuestProfile.ENLIGHTENED, 1, 128L << 20, 128L << 20,
                new BootConfig.Kernel("tiny/vmlinuz", Optional.empty(), ""), List.of(), List.of(), List.of(),
                IntegrationServices.ALL, Duration.ofSeconds(30)));
    }

    @Test
    void legacyGuestsDefaultToNoIntegrationAndOthersToAll() {
        String legacy = """
                apiVersion: celadon.dev/v1alpha1
                kind: Partition
                metadata: {name: old}
                spec: {guest: {profile: legacy}, cpus: 1, memory: 64Mi, boot: {firmware: bios}, disks: [{name: root, size: 1Gi}]}
                """;
        String windows = """
                apiVersion: celadon.dev/v1alpha1
                kind: Partition
                metadata: {name: win}
                spec: {guest: {profile: windows}, cpus: 1, memory: 1Gi, boot: {firmware: uefi}, disks: [{name: c, size: 64Gi}],
                  integration: {timeSync: false}}
                """;

        SpecSet set = SpecLoader.parse(Map.of("old.yaml", legacy, "win.yaml", windows), SpecRules.DEFAULT);

        assertThat(set.errors()).isEmpty();
        assertThat(set.partitions()).extracting(p -> p.vm().integration())
                .containsExactly(IntegrationServices.NONE, new IntegrationServices(true, true, false));
    }

    /**
     * What the hypervisor refuses for its form (VmConfigRules) is a spec error with the line of the field,
     * not a partition taken down at apply time: each rule from both sides.
     */
    @Test
    void theHypervisorsRulesOfFormAreSpecErrorsAtTheirLines() {
        String name31 = "d".repeat(31) + "x";
        String name33 = "d".repeat(33);
        String spec = """
                apiVersion: celadon.dev/v1alpha1
                kind: Partition
                metadata: {name: %s}
                spec:
                  guest: {profile: %s}
                  cpus: %d
                  memory: 64Mi
                  boot: {firmware: bios}
                  disks:
                %s""";
        java.util.function.Function<String, String> disks = d -> d.indent(4);
        SpecSet fits = SpecLoader.parse(Map.of(
                "a.yaml", spec.formatted("a", "legacy", 255, disks.apply("- {name: %s, size: 1Gi}".formatted(name31))),
                "b.yaml", spec.formatted("b", "legacy", 1, disks.apply("- {name: a, size: 1Gi}\n- {name: b, size: 1Gi}\n"
                        + "- {name: c, size: 1Gi}\n- {name: d, size: 1Gi}")),
                "c.yaml", spec.formatted("c", "enlightened", 256, disks.apply("- {name: a, size: 1Gi}"))), SpecRules.DEFAULT);
        assertThat(fits.errors()).isEmpty();

        SpecSet refused = SpecLoader.parse(Map.of(
                "a.yaml", spec.formatted("a", "legacy", 256, disks.apply("- {name: %s, size: 1Gi}".formatted(name33))),
                "b.yaml", spec.formatted("b", "legacy", 1, disks.apply("- {name: a, size: 1Gi}\n- {name: b, size: 1Gi}\n"
                        + "- {name: c, size: 1Gi}\n- {name: d, size: 1Gi}\n- {name: e, size: 1Gi}"))), SpecRules.DEFAULT);
        assertThat(refused.partitions()).isEmpty();
        assertThat(refused.errors()).extracting(SpecError::toString).containsExactlyInAnyOrder(
                "a.yaml:6:9: spec.cpus: 256 CPUs is more than the legacy profile's machine (pc) takes: 255",
                "a.yaml:10:14: spec.disks[0].name: invalid disk name \"" + name33 + "\": use a DNS-1123 label of at most 32"
                        + " lower-case letters, digits and '-' (it names a QEMU device and a file)",
                "b.yaml:14:7: spec.disks[4]: the legacy profile's machine has 4 IDE slots; 5 disks asked for");
    }

    @Test
    void mapsEveryFieldOntoTheHypervisorTypes() {
        SpecSet set = Fixtures.parse(Fixtures.valid().filter(p -> p.endsWith("everything.yaml")).findFirst().orElseThrow());

        assertThat(set.errors()).isEmpty();
        Partition web = set.partitions().getFirst();
        assertThat(web.labels()).containsExactlyInAnyOrderEntriesOf(Map.of("tier", "web", "example.com/owner", "team-a", "empty", ""));
        assertThat(web.placement()).isEqualTo(new Placement(List.of("host-a", "host-b.example.com"), Map.of("role", "edge")));
        assertThat(web.restartPolicy()).isEqualTo(RestartPolicy.ON_FAILURE);
        assertThat(web.deletionPolicy()).isEqualTo(DeletionPolicy.DELETE);
        assertThat(web.protectedFromDeletion()).isTrue();
        assertThat(web.rollout()).isEqualTo(new Rollout(Rollout.Strategy.TRY, java.time.Duration.ofMinutes(5)));
        VmConfig vm = web.vm();
        assertThat(vm.cpus()).isEqualTo(2);
        assertThat(vm.memoryBytes()).isEqualTo(512L << 20);
        assertThat(vm.maxMemoryBytes()).isEqualTo(1L << 30);
        assertThat(vm.boot()).isEqualTo(new BootConfig.Kernel("tiny/vmlinuz", Optional.of("tiny/initrd.img"), "console=ttyS0 quiet"));
        assertThat(vm.disks()).containsExactly(
                new DiskConfig("root", new DiskConfig.Overlay("debian/bookworm.qcow2", 4L << 30)),
                new DiskConfig("scratch", new DiskConfig.Blank(1L << 30)),
                new DiskConfig("san", new DiskConfig.Passthrough("/dev/disk/by-id/scsi-XYZ")));
        assertThat(vm.networks()).containsExactly(
                new NetworkConfig("lan", new NetworkConfig.Bridge("br0")),
                new NetworkConfig("dmz", new NetworkConfig.Bridge("celadon0", java.util.OptionalInt.of(20)),
                        Optional.of(dev.celadon.hypervisor.NicModel.RTL8139)),
                new NetworkConfig("mgmt", new NetworkConfig.User(List.of(
                        new NetworkConfig.PortForward(2222, 22), new NetworkConfig.PortForward(8443, 443)))));
        assertThat(vm.devices()).containsExactly(new PciAddress("0000:03:00.0"), new PciAddress("0000:04:00.1"));
        assertThat(vm.integration()).isEqualTo(new IntegrationServices(true, true, false));
        assertThat(vm.shutdownGracePeriod()).isEqualTo(Duration.ofSeconds(90));
    }

    @Test
    void firmwareBootAndOverlayWithoutSizeKeepTheBaseSize() {
        String spec = """
                apiVersion: celadon.dev/v1alpha1
                kind: Partition
                metadata: {name: disk-boot}
                spec:
                  cpus: 1
                  memory: 256Mi
                  boot: {firmware: uefi}
                  disks: [{name: root, image: uki/disk.qcow2}]
                """;

        VmConfig vm = SpecLoader.parse(Map.of("d.yaml", spec), SpecRules.DEFAULT).partitions().getFirst().vm();

        assertThat(vm.boot()).isEqualTo(new BootConfig.FromDisk(Firmware.UEFI));
        assertThat(vm.disks()).containsExactly(new DiskConfig("root", new DiskConfig.Overlay("uki/disk.qcow2", 0)));
    }

    @Test
    void aHexEscapeCutShortOrPastUnicodeIsAPositionedYamlError() {
        // SnakeYAML itself throws a bare NumberFormatException for both; the fuzzer found the first.
        SpecSet set = SpecLoader.parse(Map.of("cut.yaml", "a: 1\nb: \"\\x", "big.yaml", "a: \"\\UFFFFFFFF\""), SpecRules.DEFAULT);

        assertThat(set.errors()).map(SpecError::toString).containsExactly(
                "big.yaml:1:7: invalid YAML: " + ReaderFailures.BAD_ESCAPE + " (while scanning a double-quoted scalar)",
                "cut.yaml:2:7: invalid YAML: " + ReaderFailures.BAD_ESCAPE + " (while scanning a double-quoted scalar)");
    }

    @Test
    void reportsEveryErrorOfEveryFileAtOnceInFileLineColumnOrder() {
        SpecSet set = SpecLoader.parse(Map.of(
                "b.yaml", """
                        apiVersion: celadon.dev/v1alpha1
                        kind: Partition
                        metadata: {name: web}
                        spec:
                          cpus: 0
                          memory: 12XB
                          boot: {kernel: /vmlinuz}
                        """,
                "a.yaml", MINIMAL.formatted("web") + "---\n" + MINIMAL.formatted("Bad"),
                "c/d.yaml", "key: [unclosed\n"), SpecRules.DEFAULT);

        assertThat(set.errors()).map(SpecError::toString).containsExactly(
                "a.yaml:8:18: metadata.name: invalid name \"Bad\": use a DNS-1123 label: at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit",
                "b.yaml:3:18: metadata.name: duplicate partition name \"web\"; already defined at a.yaml:3:18",
                "b.yaml:5:9: spec.cpus: 0 is out of range; use 1 to 256",
                "b.yaml:6:11: spec.memory: invalid quantity \"12XB\": use a number with Ki, Mi, Gi or Ti, or plain bytes",
                "b.yaml:7:18: spec.boot.kernel: invalid image path \"/vmlinuz\": it starts with \"/\"; use a path relative to the image directories, e.g. tiny/vmlinuz",
                "c/d.yaml:2:1: invalid YAML: expected ',' or ']', but got <stream end> (while parsing a flow sequence at line 1, column 6)");
        assertThat(set.isValid()).isFalse();
        assertThat(set.partitions()).extracting(p -> p.name().value()).containsExactly("web");
    }

    @Test
    void aMisspeltProfileStillLetsTheIntegrationServicesBeChecked() {
        String spec = """
                apiVersion: celadon.dev/v1alpha1
                kind: Partition
                metadata: {name: p}
                spec:
                  guest: {profile: Enlightened}
                  cpus: 1
                  memory: 128Mi
                  boot: {kernel: tiny/vmlinuz}
                  integration: {heartbeat: "yes"}
                """;

        assertThat(SpecLoader.parse(Map.of("p.yaml", spec), SpecRules.DEFAULT).errors()).map(SpecError::toString).containsExactly(
                "p.yaml:5:20: spec.guest.profile: invalid value \"Enlightened\"; allowed: enlightened, legacy, windows",
                "p.yaml:9:28: spec.integration.heartbeat: expected a boolean (true or false), got the string \"yes\"");
    }

    @Test
    void hostPortsAreUniqueAcrossFiles() {
        String forwarding = """
                apiVersion: celadon.dev/v1alpha1
                kind: Partition
                metadata: {name: %s}
                spec:
                  cpus: 1
                  memory: 128Mi
                  boot: {kernel: tiny/vmlinuz}
                  networks: [{name: mgmt, user: {forwards: [{host: 2222, guest: 22}]}}]
                """;

        SpecSet set = SpecLoader.parse(Map.of("one.yaml", forwarding.formatted("one"), "two.yaml", forwarding.formatted("two")),
                SpecRules.DEFAULT);

        assertThat(set.errors()).map(SpecError::toString).containsExactly(
                "two.yaml:8:52: spec.networks[0].user.forwards[0].host: host port 2222 is already forwarded at one.yaml:8:52; a host port can be forwarded once per appliance");
    }

    @Test
    void passThroughIsDisabledWithoutAnAllowList() {
        String spec = """
                apiVersion: celadon.dev/v1alpha1
                kind: Partition
                metadata: {name: san}
                spec:
                  cpus: 1
                  memory: 128Mi
                  boot: {kernel: tiny/vmlinuz}
                  disks: [{name: lun, passthrough: /dev/disk/by-id/scsi-XYZ}]
                """;

        assertThat(SpecLoader.parse(Map.of("san.yaml", spec), SpecRules.DEFAULT).errors()).map(SpecError::toString).containsExactly(
                "san.yaml:8:36: spec.disks[0].passthrough: pass-through is disabled on this appliance (celadon.passthrough.allowed is empty)");
        assertThat(SpecLoader.parse(Map.of("san.yaml", spec), new SpecRules(List.of("/dev/disk/by-id/scsi-XYZ"))).errors()).isEmpty();
    }

    @Test
    void emptyFilesAndDocumentsAreSkipped() {
        SpecSet set = SpecLoader.parse(Map.of(
                "empty.yaml", "",
                "comments.yaml", "# nothing yet\n",
                "separators.yaml", "---\n---\n" + MINIMAL.formatted("x") + "---\n"), SpecRules.DEFAULT);

        assertThat(set.errors()).isEmpty();
        assertThat(set.partitions()).hasSize(1);
    }

    @Test
    void yamlOneOneSpellingsAreStringsAndMergeKeysAreUnknownFields() {
        String spec = """
                apiVersion: celadon.dev/v1alpha1
                kind: Partition
                metadata: {name: yaml}
                defaults: &d {cpus: 1}
                spec:
                  <<: *d
                  memory: 128Mi
                  boot: {kernel: tiny/vmlinuz}
                  protected: no
                """;

        assertThat(SpecLoader.parse(Map.of("y.yaml", spec), SpecRules.DEFAULT).errors()).map(SpecError::toString).containsExactly(
                "y.yaml:4:1: defaults: unknown field; allowed: apiVersion, kind, metadata, spec",
                "y.yaml:5:1: spec.cpus: required field is missing",
                "y.yaml:6:3: spec.<<: unknown field; allowed: runState, placement, guest, cpus, cpuLimit, memory, maxMemory, boot, disks, networks, devices, tpm, integration, restartPolicy, shutdownGracePeriod, deletionPolicy, protected, cloudInit, readiness, dependsOn, rollout",
                "y.yaml:9:14: spec.protected: expected a boolean (true or false), got the string \"no\"");
    }

    @Test
    void loadsAFolderRecursivelySkippingHiddenAndOtherFiles(@TempDir Path dir) throws IOException {
        Files.createDirectories(dir.resolve("team/web"));
        Files.createDirectories(dir.resolve(".git"));
        Files.writeString(dir.resolve("a.yaml"), MINIMAL.formatted("a"));
        Files.writeString(dir.resolve("team/web/b.yml"), MINIMAL.formatted("b"));
        Files.writeString(dir.resolve("team/web/c.yaml"), "spec: [\n");
        Files.writeString(dir.resolve(".git/ignored.yaml"), "garbage: [");
        Files.writeString(dir.resolve(".hidden.yaml"), "garbage: [");
        Files.writeString(dir.resolve("README.md"), "# not a spec");

        SpecSet set = SpecLoader.load(dir, SpecRules.DEFAULT);

        assertThat(set.partitions()).extracting(p -> p.name().value()).containsExactly("a", "b");
        assertThat(set.partitions().get(1).source().file()).isEqualTo("team/web/b.yml");
        assertThat(set.errors()).extracting(SpecError::file).containsExactly("team/web/c.yaml");
    }

    @Test
    void neverFollowsSymbolicLinks(@TempDir Path dir, @TempDir Path outside) throws IOException {
        Path secret = Files.writeString(outside.resolve("secret.yaml"), "password: hunter2\n");
        Files.createDirectories(outside.resolve("more"));
        Files.writeString(outside.resolve("more/x.yaml"), "password: hunter2\n");
        Files.createSymbolicLink(dir.resolve("link.yaml"), secret);
        Files.createSymbolicLink(dir.resolve("folder"), outside.resolve("more"));

        SpecSet set = SpecLoader.load(dir, SpecRules.DEFAULT);

        assertThat(set.errors()).map(SpecError::toString).containsExactly(
                "folder:1:1: is a symbolic link; spec files and folders must be committed as themselves",
                "link.yaml:1:1: is a symbolic link; spec files and folders must be committed as themselves");
    }

    @Test
    void reportsFilesThatAreNotUtf8(@TempDir Path dir) throws IOException {
        Files.write(dir.resolve("latin1.yaml"), "name: caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1));

        assertThat(SpecLoader.load(dir, SpecRules.DEFAULT).errors()).map(SpecError::toString)
                .containsExactly("latin1.yaml:1:1: is not valid UTF-8 text");
    }

    @Test
    void aMissingFolderIsAnIoError(@TempDir Path dir) {
        assertThatExceptionOfType(NoSuchFileException.class).isThrownBy(() -> SpecLoader.load(dir.resolve("nope"), SpecRules.DEFAULT));
    }
}
