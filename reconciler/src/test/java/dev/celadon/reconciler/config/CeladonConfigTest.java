package dev.celadon.reconciler.config;

import dev.celadon.hypervisor.qemu.AccelChoice;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** Every default of DESIGN.md §4, as the application sees it with no configuration at all. */
@QuarkusTest
class CeladonConfigTest {

    @Inject
    CeladonConfig config;

    @Test
    void defaultsAreTheDesignsDefaults() {
        assertThat(config.git().url()).isEmpty();
        assertThat(config.git().branch()).isEqualTo("main");
        assertThat(config.git().ref()).isEmpty();
        assertThat(config.git().path()).isEqualTo("partitions.d");
        assertThat(config.git().pollInterval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.git().sshKeyFile()).isEmpty();
        assertThat(config.git().knownHostsFile()).isEmpty();
        assertThat(config.git().tokenFile()).isEmpty();
        // The one key the test profile sets (application.properties), so that tests never write to this machine's state dir.
        assertThat(config.stateDir()).contains(Path.of("target/quarkus-test-state"));
        assertThat(config.images().dirs()).isEmpty();
        assertThat(config.passthrough().allowed()).isEmpty();
        assertThat(config.appliance().name()).isEmpty();
        assertThat(config.appliance().labels()).isEmpty();
        assertThat(config.hypervisor().qemuBinary()).isEqualTo("qemu-system-x86_64");
        assertThat(config.hypervisor().accel()).isEqualTo(AccelChoice.AUTO);
        assertThat(config.hypervisor().reservedMemory()).isEqualTo("512Mi");
        assertThat(config.events().retained()).isEqualTo(500);
    }

    @Test
    void theStateDirDependsOnWhoRunsIt() {
        StateDirs dirs = StateDirs.of(Optional.empty());
        Path expected = "root".equals(System.getProperty("user.name"))
                ? Path.of("/var/lib/celadon")
                : Path.of(System.getProperty("user.home"), ".local/state/celadon");
        assertThat(dirs.root()).isEqualTo(expected);
        assertThat(dirs.images(config)).containsExactly(expected.resolve("images"));
    }
}
