package dev.celadon.reconciler.config;

import dev.celadon.hypervisor.qemu.AccelChoice;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Every key set, in the forms operators write them: durations like 1s, lists with commas, label maps. */
@QuarkusTest
@TestProfile(CeladonConfigOverridesTest.Everything.class)
class CeladonConfigOverridesTest {

    public static class Everything implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.ofEntries(
                    Map.entry("celadon.git.url", "ssh://git@git.example/fleet.git"),
                    Map.entry("celadon.git.branch", "prod"),
                    Map.entry("celadon.git.ref", "v1.2.0"),
                    Map.entry("celadon.git.path", "clusters/edge"),
                    Map.entry("celadon.git.poll-interval", "1s"),
                    Map.entry("celadon.git.ssh-key-file", "/etc/celadon/id_ed25519"),
                    Map.entry("celadon.git.known-hosts-file", "/etc/celadon/known_hosts"),
                    Map.entry("celadon.git.token-file", "/etc/celadon/token"),
                    Map.entry("celadon.state-dir", "/srv/celadon"),
                    Map.entry("celadon.images.dirs", "/srv/images,/mnt/iso"),
                    Map.entry("celadon.passthrough.allowed", "/dev/disk/by-id,0000:03:00.0"),
                    Map.entry("celadon.appliance.name", "host-a"),
                    Map.entry("celadon.appliance.labels.role", "edge"),
                    Map.entry("celadon.appliance.labels.rack", "r12"),
                    Map.entry("celadon.hypervisor.qemu-binary", "/usr/local/bin/qemu-system-x86_64"),
                    Map.entry("celadon.hypervisor.accel", "tcg"),
                    Map.entry("celadon.hypervisor.reserved-memory", "1Gi"));
        }
    }

    @Inject
    CeladonConfig config;

    @Test
    void everyKeyMaps() {
        assertThat(config.git().url()).hasValue("ssh://git@git.example/fleet.git");
        assertThat(config.git().branch()).isEqualTo("prod");
        assertThat(config.git().ref()).hasValue("v1.2.0");
        assertThat(config.git().path()).isEqualTo("clusters/edge");
        assertThat(config.git().pollInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(config.git().sshKeyFile()).hasValue(Path.of("/etc/celadon/id_ed25519"));
        assertThat(config.git().knownHostsFile()).hasValue(Path.of("/etc/celadon/known_hosts"));
        assertThat(config.git().tokenFile()).hasValue(Path.of("/etc/celadon/token"));
        assertThat(StateDirs.from(config).root()).isEqualTo(Path.of("/srv/celadon"));
        assertThat(StateDirs.from(config).images(config)).containsExactly(Path.of("/srv/images"), Path.of("/mnt/iso"));
        assertThat(config.passthrough().allowed()).hasValueSatisfying(
                allowed -> assertThat(allowed).containsExactly("/dev/disk/by-id", "0000:03:00.0"));
        assertThat(config.appliance().name()).hasValue("host-a");
        assertThat(config.appliance().labels()).containsExactlyInAnyOrderEntriesOf(Map.of("role", "edge", "rack", "r12"));
        assertThat(config.hypervisor().qemuBinary()).isEqualTo("/usr/local/bin/qemu-system-x86_64");
        assertThat(config.hypervisor().accel()).isEqualTo(AccelChoice.TCG);
        assertThat(config.hypervisor().reservedMemory()).isEqualTo("1Gi");
    }
}
