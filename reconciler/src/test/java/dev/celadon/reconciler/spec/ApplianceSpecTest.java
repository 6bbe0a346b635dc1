package dev.celadon.reconciler.spec;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.LocalTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static java.time.DayOfWeek.SATURDAY;
import static java.time.DayOfWeek.SUNDAY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** {@code kind: Appliance} documents: read beside partitions, and which one applies to an appliance. */
class ApplianceSpecTest {

    private static final String SHA256 = "0f3b7c6d5e4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0";
    private static final String APPLIANCE = """
            apiVersion: celadon.dev/v1alpha1
            kind: Appliance
            metadata: {name: %s}
            spec:
            %s  version: "1.0"
              image: {url: "https://example.org/celadon-1.0.efi", sha256: %s}
            """;

    private static String appliance(String name, String placement) {
        return APPLIANCE.formatted(name, placement.isEmpty() ? "" : "  placement: " + placement + "\n", SHA256);
    }

    private static SpecSet parse(Map<String, String> files) {
        return SpecLoader.parse(files, SpecRules.DEFAULT);
    }

    @Test
    void mapsEveryField() {
        SpecSet set = Fixtures.parse(Fixtures.valid().filter(p -> p.endsWith("appliance.yaml")).findFirst().orElseThrow());

        assertThat(set.errors()).isEmpty();
        assertThat(set.partitions()).isEmpty();
        assertThat(set.appliances()).containsExactly(
                new ApplianceSpec("edge", Map.of("site", "lab"),
                        Optional.of(new Placement(List.of("host-a", "host-b"), Map.of("role", "edge"))), "0.2",
                        "https://images.example.org/celadon/celadon-0.2.efi", SHA256, 5, Duration.ofMinutes(30),
                        Optional.of(new MaintenanceWindow(Set.of(SATURDAY, SUNDAY), LocalTime.of(23, 0), Duration.ofHours(2))),
                        new SourceLocation("appliance.yaml", 3, 1)),
                new ApplianceSpec("host-c", Map.of(), Optional.empty(), "0.3~rc1",
                        "file:///var/lib/celadon/images/celadon-0.3~rc1.efi",
                        "9a8b7c6d5e4f30211203f4e5d6c7b8a99a8b7c6d5e4f30211203f4e5d6c7b8a9", 3, Duration.ofMinutes(15),
                        Optional.of(new MaintenanceWindow(Set.of(), LocalTime.of(2, 0), Duration.ofMinutes(10))),
                        new SourceLocation("appliance.yaml", 23, 1)));
    }

    @Test
    void appliesTheDocumentedDefaults() {
        SpecSet set = parse(Map.of("a.yaml", appliance("host-a", "")));

        assertThat(set.errors()).isEmpty();
        ApplianceSpec a = set.appliances().getFirst();
        assertThat(a.placement()).isEmpty();
        assertThat(a.labels()).isEmpty();
        assertThat(a.tries()).isEqualTo(3);
        assertThat(a.readyTimeout()).isEqualTo(Duration.ofMinutes(15));
        assertThat(a.maintenanceWindow()).isEmpty();
    }

    @Test
    void appliancesAndPartitionsAreReadSideBySideAndSortedByName() {
        String partition = """
                apiVersion: celadon.dev/v1alpha1
                kind: Partition
                metadata: {name: host-a}
                spec: {cpus: 1, memory: 128Mi, boot: {kernel: tiny/vmlinuz}}
                """;

        SpecSet set = parse(Map.of("a.yaml", appliance("host-b", "") + "---\n" + partition, "b.yaml", appliance("host-a", "")));

        assertThat(set.errors()).isEmpty();
        assertThat(set.partitions()).extracting(p -> p.name().value()).containsExactly("host-a");
        assertThat(set.appliances()).extracting(ApplianceSpec::name).containsExactly("host-a", "host-b");
    }

    /** One rule, and a document that breaks it is not kept, whatever its kind. */
    @Test
    void theApiVersionRuleIsTheSameForEveryKind() {
        String partition = """
                apiVersion: celadon.dev/v1
                kind: Partition
                metadata: {name: web}
                spec: {cpus: 1, memory: 128Mi, boot: {kernel: tiny/vmlinuz}}
                """;
        SpecSet set = parse(Map.of("a.yaml", appliance("host-a", "").replace("celadon.dev/v1alpha1", "celadon.dev/v1"),
                "b.yaml", partition));

        assertThat(set.errors()).map(SpecError::toString).containsExactly(
                "a.yaml:1:13: apiVersion: unsupported apiVersion \"celadon.dev/v1\"; use celadon.dev/v1alpha1",
                "b.yaml:1:13: apiVersion: unsupported apiVersion \"celadon.dev/v1\"; use celadon.dev/v1alpha1");
        assertThat(set.appliances()).isEmpty();
        assertThat(set.partitions()).isEmpty();
    }

    @Test
    void aDocumentWithoutPlacementAppliesToTheApplianceOfItsName() {
        SpecSet set = parse(Map.of("a.yaml", appliance("host-a", "")));

        assertThat(set.applianceFor("host-a", Map.of("role", "edge")))
                .isEqualTo(new ApplianceSelection.One(set.appliances().getFirst()));
        assertThat(set.applianceFor("host-b", Map.of())).isEqualTo(new ApplianceSelection.None());
    }

    @Test
    void aDocumentWithPlacementAppliesWhereItMatchesWhateverItsName() {
        SpecSet set = parse(Map.of(
                "edge.yaml", appliance("edge", "{selector: {role: edge}}"),
                "lab.yaml", appliance("host-c", "{appliances: [host-a]}")));

        assertThat(set.applianceFor("host-b", Map.of("role", "edge")))
                .isEqualTo(new ApplianceSelection.One(set.appliances().getFirst()));
        assertThat(set.applianceFor("host-c", Map.of())).as("placed elsewhere, though named host-c")
                .isEqualTo(new ApplianceSelection.None());
        assertThat(set.applianceFor("edge", Map.of())).isEqualTo(new ApplianceSelection.None());
    }

    @Test
    void anEmptyPlacementAppliesToEveryAppliance() {
        SpecSet set = parse(Map.of("all.yaml", appliance("fleet", "{}")));

        assertThat(set.applianceFor("anything", Map.of())).isInstanceOf(ApplianceSelection.One.class);
    }

    @Test
    void twoApplyingDocumentsAreAConflictNamingBoth() {
        SpecSet set = parse(Map.of(
                "b.yaml", "# fleet-wide\n" + appliance("fleet", "{selector: {role: edge}}"),
                "a.yaml", "\n\n" + appliance("host-a", "")));

        ApplianceSelection selection = set.applianceFor("host-a", Map.of("role", "edge"));

        assertThat(selection).isEqualTo(new ApplianceSelection.Conflict(
                List.of(new SourceLocation("a.yaml", 3, 1), new SourceLocation("b.yaml", 2, 1))));
        assertThat(((ApplianceSelection.Conflict) selection).message())
                .isEqualTo("2 Appliance documents select this appliance: a.yaml:3, b.yaml:2");
        assertThat(set.applianceFor("host-b", Map.of("role", "edge"))).isInstanceOf(ApplianceSelection.One.class);
    }

    @Test
    void anApplianceOfSoundDocumentsIsKeptAgainstTheMemoryLimit() {
        ApplianceSpec small = parse(Map.of("a.yaml", appliance("host-a", ""))).appliances().getFirst();
        ApplianceSpec placed = parse(Map.of("a.yaml", appliance("host-a", "{appliances: [a, b], selector: {x: y}}")))
                .appliances().getFirst();

        assertThat(Footprint.of(small)).isGreaterThanOrEqualTo(Footprint.PARTITION_BYTES);
        assertThat(Footprint.of(placed) - Footprint.of(small)).as("three entries and their characters")
                .isEqualTo(3 * Footprint.ENTRY_BYTES + 4 * Footprint.CHARACTER_BYTES);
    }

    @Test
    void theVersionRuleHoldsForTheRecordToo() {
        assertThat(ApplianceSpec.versionProblem("0.2")).isEmpty();
        assertThat(ApplianceSpec.versionProblem("v1.0~rc1^git-2")).isEmpty();
        assertThat(ApplianceSpec.versionProblem("1".repeat(64))).isEmpty();
        for (String bad : List.of("", "1".repeat(65), "0.2+1", "a/b", "a b", ".1", "-1", "1_2", "é")) {
            assertThat(ApplianceSpec.versionProblem(bad)).as(bad).isPresent();
        }
        assertThatIllegalArgumentException().isThrownBy(() -> new ApplianceSpec("host-a", Map.of(), Optional.empty(),
                "1+2", "https://example.org/x.efi", SHA256, 3, Duration.ofMinutes(15), Optional.empty(),
                new SourceLocation("a.yaml", 1, 1)));
    }
}
