package dev.celadon.reconciler.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Within one JVM; a second reconciler process refusing to start is in {@code GitOpsEndToEndIT}. */
class StateDirLockTest {

    @TempDir
    Path dir;

    @Test
    void oneHolderAtATimeNamedByItsPid() throws Exception {
        StateDirs dirs = new StateDirs(dir.resolve("state"));
        try (StateDirLock held = StateDirLock.acquire(dirs)) {
            String pid = Long.toString(ProcessHandle.current().pid());
            assertThat(Files.readString(dirs.lockFile()).strip()).isEqualTo(pid);
            assertThatThrownBy(() -> StateDirLock.acquire(dirs)).isInstanceOf(StateDirInUseException.class)
                    .hasMessageContaining("the state dir " + dirs.root() + " is in use by another reconciler (pid " + pid + ")");
        }
        StateDirLock.acquire(dirs).close();
    }

    @Test
    void aStateDirThatCannotBeCreatedIsAConfigurationError() throws Exception {
        Files.writeString(dir.resolve("a-file"), "");
        StateDirs dirs = new StateDirs(dir.resolve("a-file/state"));

        assertThatThrownBy(() -> StateDirLock.acquire(dirs)).isInstanceOf(ConfigException.class)
                .hasMessage("celadon.state-dir=" + dirs.root() + ": cannot be created: Not a directory");
        StateDirs aFile = new StateDirs(dir.resolve("a-file"));
        assertThatThrownBy(() -> StateDirLock.acquire(aFile)).isInstanceOf(ConfigException.class)
                .hasMessage("celadon.state-dir=" + aFile.root() + ": cannot be created: it exists and is not a folder");
    }
}
