package dev.celadon.reconciler.spec;

import dev.celadon.hypervisor.PartitionName;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code spec.readiness} and {@code spec.dependsOn} as the reader takes them, and their FILE:LINE errors. */
class ReadinessAndDependsOnSpecTest {

    /** A partition with a user-mode forward of guest port 5432; {@code %s} is its name, then extra spec lines. */
    private static String partition(String name, String extra) {
        return """
                apiVersion: celadon.dev/v1alpha1
                kind: Partition
                metadata: {name: %s}
                spec:
                  cpus: 1
                  memory: 128Mi
                  boot: {kernel: tiny/vmlinuz}
                  networks: [{name: net0, user: {forwards: [{host: %d, guest: 5432}]}}]
                %s""".formatted(name, 20000 + Math.abs(name.hashCode() % 10000), extra.indent(2));
    }

    private static SpecSet parse(Map<String, String> files) {
        return SpecLoader.parse(files, SpecRules.DEFAULT);
    }

    private static List<String> errors(SpecSet set) {
        return set.errors().stream().map(SpecError::toString).toList();
    }

    @Test
    void readinessDefaultsToTheHeartbeatWhereTheAgentIsAskedAndReadsEveryCheck() {
        SpecSet set = parse(Map.of(
                "a.yaml", partition("a", ""),
                "b.yaml", partition("b", "readiness: {tcp: {port: 5432}, exec: [pg_isready, -q]}"),
                "c.yaml", partition("c", "integration: {heartbeat: false}\nreadiness: {exec: [\"true\"]}")));

        assertThat(errors(set)).isEmpty();
        assertThat(set.partitions()).extracting(Partition::readiness).containsExactly(
                ReadinessSpec.HEARTBEAT,
                new ReadinessSpec(true, OptionalInt.of(5432), List.of("pg_isready", "-q")),
                new ReadinessSpec(false, OptionalInt.empty(), List.of("true")));
    }

    @Test
    void readinessChecksThatCannotBeMadeAreErrorsWithFileAndLine() {
        SpecSet set = parse(Map.of(
                "a.yaml", partition("a", "readiness: {tcp: {port: 80}}"),
                "b.yaml", partition("b", "integration: {heartbeat: false}\nreadiness: {heartbeat: true}"),
                "c.yaml", partition("c", "guest: {profile: legacy}\nreadiness: {exec: [pg_isready]}"),
                "d.yaml", partition("d", "readiness: {exec: [], tcp: {port: 70000}, http: {}}")));

        assertThat(errors(set)).containsExactly(
                "a.yaml:9:27: spec.readiness.tcp.port: nothing reaches guest port 80: forward it (networks[].user.forwards"
                        + " with guest: 80) or attach a bridge, where the agent reports the guest's address",
                "b.yaml:10:26: spec.readiness.heartbeat: no heartbeat is asked of this guest (legacy profile, or"
                        + " integration.heartbeat false); set it to false or turn integration.heartbeat on",
                "c.yaml:10:21: spec.readiness.exec: commands run through the guest agent, which this guest has not"
                        + " (legacy profile, or every integration service off)",
                "d.yaml:9:21: spec.readiness.exec: give the command to run, e.g. [pg_isready, -q]",
                "d.yaml:9:37: spec.readiness.tcp.port: 70000 is out of range; use 1 to 65535",
                "d.yaml:9:45: spec.readiness.http: unknown field; allowed: heartbeat, tcp, exec");
    }

    @Test
    void dependsOnNamesPartitionsOfTheRevision() {
        SpecSet set = parse(Map.of(
                "app.yaml", partition("app", "dependsOn: [db, cache]"),
                "db.yaml", partition("db", ""),
                "cache.yaml", partition("cache", "dependsOn: [db]")));

        assertThat(errors(set)).isEmpty();
        Partition app = set.partitions().stream().filter(p -> p.name().value().equals("app")).findFirst().orElseThrow();
        assertThat(app.dependsOn()).extracting(Dependency::name)
                .containsExactly(new PartitionName("db"), new PartitionName("cache"));
        assertThat(app.dependsOn().getFirst().at()).isEqualTo(new SourceLocation("app.yaml", 9, 15));
    }

    @Test
    void unknownNamesSelfDuplicatesAndCyclesAreErrorsWithFileAndLine() {
        Map<String, String> files = new LinkedHashMap<>();
        files.put("a.yaml", partition("a", "dependsOn: [b]"));
        files.put("b.yaml", partition("b", "dependsOn: [c]"));
        files.put("c.yaml", partition("c", "dependsOn: [a, ghost]"));
        files.put("d.yaml", partition("d", "dependsOn: [d, a, a, Not_A_Name]"));
        SpecSet set = parse(files);

        assertThat(set.isValid()).isFalse();
        assertThat(errors(set)).containsExactlyInAnyOrder(
                "c.yaml:9:15: spec.dependsOn[0]: dependency cycle: a → b → c → a; a partition in a cycle would wait"
                        + " for itself and never start",
                "c.yaml:9:18: spec.dependsOn[1]: \"ghost\" is no partition of this revision",
                "d.yaml:9:15: spec.dependsOn[0]: a partition cannot depend on itself",
                "d.yaml:9:21: spec.dependsOn[2]: \"a\" is already listed at line 9",
                "d.yaml:9:24: spec.dependsOn[3]: invalid name \"Not_A_Name\": use a DNS-1123 label: at most 63"
                        + " lower-case letters, digits and '-', starting and ending with a letter or digit");
    }

    @Test
    void aDependencyOnAPartitionWhoseOwnDocumentHasErrorsIsThatDocumentsErrorOnly() {
        SpecSet set = parse(Map.of(
                "app.yaml", partition("app", "dependsOn: [db]"),
                "db.yaml", partition("db", "cpus: many")));

        assertThat(errors(set)).singleElement().asString().startsWith("db.yaml:");
    }

    @Test
    void aChainAsLongAsTheRevisionAllowsIsReadWithoutRunningOutOfStack() {
        Map<String, String> files = new LinkedHashMap<>();
        int length = 2000;
        for (int i = 0; i < length; i++) {
            files.put("p" + i + ".yaml", partition("p" + i, i == 0 ? "" : "dependsOn: [p" + (i - 1) + "]"));
        }
        files.put("p0.yaml", partition("p0", "dependsOn: [p" + (length - 1) + "]"));

        SpecSet set = parse(files);

        assertThat(errors(set)).singleElement().asString().contains("p1.yaml:9:15: spec.dependsOn[0]: dependency cycle: p0 → p1999 → p1998")
                .contains("→ … 1992 more → p0;");
    }
}
