package dev.celadon.reconciler.config;

import dev.celadon.reconciler.spec.SpecLoader;
import dev.celadon.reconciler.spec.SpecRules;
import dev.celadon.reconciler.spec.SpecSet;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The embedded default: a real Git repository holding the demo specs the application ships. */
class DemoRepositoryTest {

    @TempDir
    Path state;

    @Test
    void createsACommittedRepositoryOfTheDemoSpecs() throws Exception {
        Path dir = state.resolve("demo-repo");
        String url = DemoRepository.ensure(dir);

        assertThat(url).startsWith("file:/").endsWith("demo-repo/");
        try (Git git = Git.open(dir.toFile())) {
            assertThat(git.status().call().isClean()).isTrue();
            assertThat(git.log().call()).hasSize(1);
        }
        SpecSet specs = SpecLoader.load(dir.resolve("partitions.d"), SpecRules.DEFAULT);
        assertThat(specs.errors()).isEmpty();
        assertThat(specs.partitions()).extracting(p -> p.name().value())
                .contains("demo-web", "demo-worker", "demo-legacy");
    }

    @Test
    void anExistingRepositoryIsTheOperatorsAndIsLeftAlone() throws Exception {
        Path dir = state.resolve("demo-repo");
        DemoRepository.ensure(dir);
        Files.delete(dir.resolve("partitions.d/demo-web.yaml"));
        try (Git git = Git.open(dir.toFile())) {
            git.rm().addFilepattern("partitions.d/demo-web.yaml").call();
            git.commit().setMessage("operator: no web").setAuthor("op", "op@localhost")
                    .setCommitter("op", "op@localhost").setSign(false).call();
        }

        DemoRepository.ensure(dir);

        assertThat(dir.resolve("partitions.d/demo-web.yaml")).doesNotExist();
        try (Git git = Git.open(dir.toFile())) {
            assertThat(git.log().call()).hasSize(2);
        }
    }
}
