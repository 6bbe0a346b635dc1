package dev.celadon.hypervisor.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkerRootTest {

    @TempDir
    Path dir;

    @Test
    void aFolderComesBeforeWhatLiesInItAndAReadOnlyFolderCoversWhatIsReadOnlyUnderIt() throws IOException {
        Path images = Files.createDirectories(dir.resolve("images"));
        Path kernel = Files.createFile(images.resolve("vmlinuz"));
        Path disks = Files.createDirectories(images.resolve("disks"));
        Path imagesOther = Files.createDirectories(dir.resolve("images-other"));
        WorkerRoot.Binds binds = new WorkerRoot.Binds().readOnly(List.of(imagesOther, kernel, images)).writable(disks);

        Map<Path, Boolean> ordered = binds.ordered();
        List<Path> mine = ordered.keySet().stream().filter(p -> p.startsWith(dir)).toList();
        assertThat(mine).containsExactly(images, imagesOther, disks);
        assertThat(ordered.get(disks)).as("writable under a read-only folder: bound itself").isTrue();
        assertThat(ordered.get(images)).isFalse();
        assertThat(ordered).containsKey(Path.of("/usr")).containsEntry(Path.of("/dev/null"), true);
    }

    @Test
    void aPathThatDoesNotExistIsLeftOutAndOneAskedForTwiceIsWritableIfEitherIs() throws IOException {
        Path run = Files.createDirectories(dir.resolve("run"));
        WorkerRoot.Binds binds = new WorkerRoot.Binds().readOnly(run).writable(run).readOnly(dir.resolve("absent"));
        assertThat(binds.ordered()).containsEntry(run, true).doesNotContainKey(dir.resolve("absent"));
    }

    @Test
    void theCommandMakesTheViewThenRunsTheIdentitysCommandInIt() throws IOException {
        Path run = Files.createDirectories(dir.resolve("run"));
        WorkerRoot root = WorkerRoot.probe(dir.resolve("view"));
        List<String> inner = List.of("setpriv", "--reuid=64000", "--", "qemu-system-x86_64", "-name", "a b");
        if (root.unavailable().isPresent()) {
            assertThat(root.command(inner, new WorkerRoot.Binds())).isEqualTo(inner);
            return;
        }
        List<String> command = root.command(inner, new WorkerRoot.Binds().writable(run));
        assertThat(command.subList(0, 4)).containsExactly("unshare", "--mount", "--propagation", "private");
        assertThat(command.get(4)).isEqualTo("sh");
        assertThat(command.get(8)).isEqualTo(dir.resolve("view").toString());
        // Paths and the command are arguments, never part of the script.
        assertThat(command.get(6)).doesNotContain(run.toString()).doesNotContain("qemu");
        int end = command.indexOf("--");
        int at = command.indexOf(run.toString());
        assertThat(at).isBetween(9, end - 1);
        assertThat(command.get(at - 1)).isEqualTo("rw");
        assertThat(command.get(end + 1)).as("setpriv by its path").endsWith("/setpriv");
        assertThat(command.subList(end + 2, command.size())).isEqualTo(inner.subList(1, inner.size()));
    }

    @Test
    void whereThereIsNoViewTheCommandIsUnchangedAndStatusSaysWhy() {
        WorkerRoot off = WorkerRoot.off("isolation none");
        List<String> inner = List.of("qemu-system-x86_64", "-version");
        assertThat(off.command(inner, new WorkerRoot.Binds())).isEqualTo(inner);
        assertThat(off.unavailable()).hasValue("isolation none");
    }
}
