package dev.celadon.reconciler.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

import dev.celadon.hypervisor.Retry;
import dev.celadon.reconciler.testing.GitDaemon;
import dev.celadon.reconciler.testing.TestRepo;

/** {@link GitSource} against a real {@code git daemon} on loopback and against {@code file://}. */
class GitSourceIT {

    private static final String WEB = "apiVersion: celadon.dev/v1alpha1\nkind: Partition\nmetadata: {name: web}\n";
    private static final String DB = "apiVersion: celadon.dev/v1alpha1\nkind: Partition\nmetadata: {name: db}\n";

    @TempDir
    static Path served;
    private static GitDaemon daemon;

    @TempDir
    Path state;
    private TestRepo repo;

    @BeforeAll
    static void startDaemon() {
        daemon = GitDaemon.start(served);
    }

    @AfterAll
    static void stopDaemon() {
        daemon.close();
    }

    @BeforeEach
    void createRepo(TestInfo test) {
        daemon.restart(); // in case a test stopped it
        repo = TestRepo.create(served, test.getTestMethod().orElseThrow().getName());
    }

    @Test
    void clonesThenFollowsNewCommits() throws Exception {
        String first = repo.write("partitions.d/web.yaml", WEB).commitAndPush("web");
        GitSource source = new GitSource(GitSettings.of(daemon.url(repo)), state.resolve("clone"));

        Snapshot one = source.sync();
        assertThat(one.revision()).isEqualTo(first);
        assertThat(one.specDir()).isEqualTo(state.resolve("clone/partitions.d"));
        assertThat(one.specDir().resolve("web.yaml")).hasContent(WEB);
        assertThat(state.resolve("clone/.git/shallow")).as("fetched at depth 1").exists();

        String second = repo.write("partitions.d/db.yaml", DB).delete("partitions.d/web.yaml").commitAndPush("db");
        Snapshot two = source.sync();

        assertThat(two.revision()).isEqualTo(second);
        assertThat(files(two.specDir())).containsExactly("db.yaml");
        assertThat(two.syncedAt()).isAfterOrEqualTo(one.syncedAt());
    }

    @Test
    void checkoutIsExactlyTheCommit() throws Exception {
        repo.write("partitions.d/web.yaml", WEB).commitAndPush("web");
        GitSource source = new GitSource(GitSettings.of(daemon.url(repo)), state.resolve("clone"));
        Path specDir = source.sync().specDir();
        Files.writeString(specDir.resolve("web.yaml"), "tampered");
        Files.writeString(specDir.resolve("stray.yaml"), "stray");

        repo.write("partitions.d/db.yaml", DB).commitAndPush("db");
        source.sync();

        assertThat(files(specDir)).containsExactly("db.yaml", "web.yaml");
        assertThat(specDir.resolve("web.yaml")).hasContent(WEB);
    }

    @Test
    void aRemovedCheckoutIsRestoredEvenWithoutNewCommits() throws Exception {
        String sha = repo.write("partitions.d/web.yaml", WEB).commitAndPush("web");
        GitSource source = new GitSource(GitSettings.of(daemon.url(repo)), state.resolve("clone"));
        Path specDir = source.sync().specDir();
        Files.delete(specDir.resolve("web.yaml"));
        Files.delete(specDir);

        assertThat(source.sync().revision()).isEqualTo(sha);
        assertThat(specDir.resolve("web.yaml")).hasContent(WEB);
    }

    /** An unchanged revision costs one ref listing: nothing is fetched or checked out again (speed: benchmarks/). */
    @Test
    void unchangedPollTouchesNothing() throws Exception {
        String sha = repo.write("partitions.d/web.yaml", WEB).commitAndPush("web");
        GitSource source = new GitSource(GitSettings.of(daemon.url(repo)), state.resolve("clone"));
        Path file = source.sync().specDir().resolve("web.yaml");
        long modified = Files.getLastModifiedTime(file).toMillis();

        for (int i = 0; i < 5; i++) {
            assertThat(source.sync().revision()).isEqualTo(sha);
        }
        assertThat(Files.getLastModifiedTime(file).toMillis()).isEqualTo(modified);
    }

    /** A reconciler restarted while Git is down still knows what it followed: the clean checkout on disk. */
    @Test
    void theLastCheckoutIsKnownWithoutTheRemote() throws Exception {
        String sha = repo.write("partitions.d/web.yaml", WEB).commitAndPush("web");
        Path clone = state.resolve("clone");
        assertThat(new GitSource(GitSettings.of(daemon.url(repo)), clone).sync().revision()).isEqualTo(sha);
        daemon.stop();

        GitSource afterRestart = new GitSource(GitSettings.of(daemon.url(repo)), clone);
        assertThat(afterRestart.lastCheckout()).hasValueSatisfying(snapshot -> {
            assertThat(snapshot.revision()).isEqualTo(sha);
            assertThat(snapshot.specDir().resolve("web.yaml")).hasContent(WEB);
        });
        Files.writeString(clone.resolve("partitions.d/web.yaml"), "half a checkout");
        assertThat(afterRestart.lastCheckout()).as("a work tree that is not exactly a commit").isEmpty();
        assertThat(new GitSource(GitSettings.of(daemon.url(repo)), state.resolve("never-cloned")).lastCheckout())
                .isEmpty();
    }

    @Test
    void outageKeepsLastCheckoutAndRecovers() throws Exception {
        String sha = repo.write("partitions.d/web.yaml", WEB).commitAndPush("web");
        GitSource source = new GitSource(GitSettings.of(daemon.url(repo)), state.resolve("clone"));
        Path specDir = source.sync().specDir();

        daemon.stop();
        String next = repo.write("partitions.d/db.yaml", DB).commitAndPush("db");

        assertThatThrownBy(source::sync)
                .isInstanceOfSatisfying(RemoteUnreachableException.class, e -> {
                    assertThat(e.retry()).isEqualTo(Retry.BACKOFF);
                    assertThat(e.url()).isEqualTo(daemon.url(repo));
                    assertThat(e.getMessage()).contains(daemon.url(repo)).containsIgnoringCase("connection refused");
                });
        assertThat(files(specDir)).containsExactly("web.yaml");
        assertThat(headOf(state.resolve("clone"))).isEqualTo(sha);

        daemon.restart();
        assertThat(source.sync().revision()).isEqualTo(next);
        assertThat(files(specDir)).containsExactly("db.yaml", "web.yaml");
    }

    @Test
    void firstSyncFailingLeavesNothingBehind() {
        daemon.stop();
        GitSource source = new GitSource(GitSettings.of(daemon.url(repo)), state.resolve("clone"));

        assertThatThrownBy(source::sync).isInstanceOf(RemoteUnreachableException.class);
        assertThat(state.resolve("clone")).doesNotExist();
    }

    @Test
    void followsForcePushedHistory() throws Exception {
        String base = repo.write("partitions.d/web.yaml", WEB).commitAndPush("web");
        repo.write("partitions.d/db.yaml", DB).commitAndPush("db");
        GitSource source = new GitSource(GitSettings.of(daemon.url(repo)), state.resolve("clone"));
        source.sync();

        String rewritten = repo.resetHard(base).write("partitions.d/web.yaml", WEB + "spec: {cpus: 2}\n")
                .commit("web: 2 cpus");
        repo.forcePush();
        Snapshot after = source.sync();

        assertThat(after.revision()).isEqualTo(rewritten);
        assertThat(files(after.specDir())).containsExactly("web.yaml");
        assertThat(after.specDir().resolve("web.yaml")).content().contains("cpus: 2");

        String amended = repo.amend("web: amended");
        repo.forcePush();
        assertThat(source.sync().revision()).isEqualTo(amended);

        repo.resetHard(base).forcePush(); // back to a commit the clone has seen before
        assertThat(source.sync().revision()).isEqualTo(base);
    }

    @Test
    void followsATagInsteadOfTheBranch() throws Exception {
        String tagged = repo.write("partitions.d/web.yaml", WEB).commit("web");
        repo.push().tagAndPush("v1");
        repo.write("partitions.d/db.yaml", DB).commitAndPush("db");
        GitSource source = new GitSource(GitSettings.of(daemon.url(repo)).withRef("v1"), state.resolve("clone"));

        Snapshot snapshot = source.sync();
        assertThat(snapshot.revision()).isEqualTo(tagged);
        assertThat(files(snapshot.specDir())).containsExactly("web.yaml");

        String moved = repo.tagAndPush("v1");
        assertThat(source.sync().revision()).isEqualTo(moved);
    }

    @Test
    void pinsACommit() throws Exception {
        String pinned = repo.write("partitions.d/web.yaml", WEB).commitAndPush("web");
        repo.write("partitions.d/db.yaml", DB).commitAndPush("db");
        GitSource source = new GitSource(GitSettings.of(daemon.url(repo)).withRef(pinned), state.resolve("clone"));

        assertThat(source.sync().revision()).isEqualTo(pinned);
        repo.write("partitions.d/x.yaml", DB).commitAndPush("more");
        daemon.stop(); // a commit is immutable: once local, no round trip is needed
        Snapshot again = source.sync();

        assertThat(again.revision()).isEqualTo(pinned);
        assertThat(files(again.specDir())).containsExactly("web.yaml");
    }

    @Test
    void unknownBranchTagOrCommitIsReportedAsSuch() {
        repo.write("partitions.d/web.yaml", WEB).commitAndPush("web");

        for (GitSettings settings : new GitSettings[] {
                GitSettings.of(daemon.url(repo)).withBranch("nope"),
                GitSettings.of(daemon.url(repo)).withRef("v9"),
                GitSettings.of(daemon.url(repo)).withRef("0123456789abcdef0123456789abcdef01234567")}) {
            GitSource source = new GitSource(settings, state.resolve("clone"));
            assertThatThrownBy(source::sync).as(settings.target())
                    .isInstanceOfSatisfying(UnknownRefException.class, e -> {
                        assertThat(e.ref()).isEqualTo(settings.target());
                        assertThat(e.retry()).isEqualTo(Retry.STALL);
                    });
        }
    }

    @Test
    void specFolderMayBeASubPathOrTheRoot() throws Exception {
        repo.write("clusters/edge/partitions/web.yaml", WEB).write("README.md", "hi").commitAndPush("web");

        Snapshot sub = new GitSource(GitSettings.of(daemon.url(repo)).withPath("clusters/edge/partitions"),
                state.resolve("sub")).sync();
        Snapshot root = new GitSource(GitSettings.of(daemon.url(repo)).withPath("."), state.resolve("root")).sync();

        assertThat(sub.specDir()).isEqualTo(state.resolve("sub/clusters/edge/partitions"));
        assertThat(files(sub.specDir())).containsExactly("web.yaml");
        assertThat(root.specDir()).isEqualTo(state.resolve("root"));
        assertThat(root.specDir().resolve("README.md")).exists();
    }

    @Test
    void missingSpecFolderIsAnErrorAndKeepsTheLastCheckout() throws Exception {
        String good = repo.write("partitions.d/web.yaml", WEB).commitAndPush("web");
        GitSource source = new GitSource(GitSettings.of(daemon.url(repo)), state.resolve("clone"));
        Path specDir = source.sync().specDir();

        String bad = repo.delete("partitions.d").write("elsewhere/web.yaml", WEB).commitAndPush("moved");

        assertThatThrownBy(source::sync).isInstanceOfSatisfying(SpecPathMissingException.class, e -> {
            assertThat(e.revision()).isEqualTo(bad);
            assertThat(e.path()).isEqualTo("partitions.d");
            assertThat(e.retry()).isEqualTo(Retry.STALL);
            assertThat(e.getMessage()).contains(bad, "partitions.d");
        });
        assertThat(specDir.resolve("web.yaml")).hasContent(WEB);
        assertThat(headOf(state.resolve("clone"))).isEqualTo(good);

        String fixed = repo.write("partitions.d/web.yaml", WEB).commitAndPush("back");
        assertThat(source.sync().revision()).isEqualTo(fixed);
    }

    @Test
    void aRestartedProcessReusesTheClone() throws Exception {
        repo.write("partitions.d/web.yaml", WEB).commitAndPush("web");
        Path clone = state.resolve("clone");
        new GitSource(GitSettings.of(daemon.url(repo)), clone).sync();
        Path marker = Files.writeString(clone.resolve(".git/celadon-test-marker"), "");
        Files.writeString(clone.resolve(".git/index.lock"), ""); // as if killed mid-checkout

        String next = repo.write("partitions.d/db.yaml", DB).commitAndPush("db");
        Snapshot snapshot = new GitSource(GitSettings.of(daemon.url(repo)), clone).sync();

        assertThat(snapshot.revision()).isEqualTo(next);
        assertThat(marker).exists();
        assertThat(clone.resolve(".git/index.lock")).doesNotExist();
    }

    @Test
    void aCloneOfAnotherUrlOrACorruptOneIsReplaced(TestInfo test) throws Exception {
        TestRepo other = TestRepo.create(served, test.getTestMethod().orElseThrow().getName() + "-other");
        other.write("partitions.d/db.yaml", DB).commitAndPush("db");
        String sha = repo.write("partitions.d/web.yaml", WEB).commitAndPush("web");
        Path clone = state.resolve("clone");
        new GitSource(GitSettings.of(daemon.url(other)), clone).sync();

        Snapshot switched = new GitSource(GitSettings.of(daemon.url(repo)), clone).sync();
        assertThat(switched.revision()).isEqualTo(sha);
        assertThat(files(switched.specDir())).containsExactly("web.yaml");

        try (var objects = Files.walk(clone.resolve(".git/objects"))) {
            for (Path object : objects.filter(Files::isRegularFile).toList()) {
                Files.writeString(object, "garbage");
            }
        }
        Snapshot recovered = new GitSource(GitSettings.of(daemon.url(repo)), clone).sync();
        assertThat(recovered.revision()).isEqualTo(sha);
        assertThat(recovered.specDir().resolve("web.yaml")).hasContent(WEB);
        assertThat(state.resolve("clone.new")).doesNotExist();
        assertThat(state.resolve("clone.old")).doesNotExist();
    }

    @Test
    void aCloneDamagedWhileRunningIsReplacedOnTheNextSync() throws Exception {
        repo.write("partitions.d/web.yaml", WEB).commitAndPush("web");
        Path clone = state.resolve("clone");
        GitSource source = new GitSource(GitSettings.of(daemon.url(repo)), clone);
        source.sync();
        try (var objects = Files.walk(clone.resolve(".git/objects"))) {
            for (Path object : objects.filter(Files::isRegularFile).toList()) {
                Files.writeString(object, "garbage");
            }
        }
        String next = repo.write("partitions.d/db.yaml", DB).commitAndPush("db");

        assertThatThrownBy(source::sync).isInstanceOfSatisfying(CorruptCloneException.class, e -> {
            assertThat(e.cloneDir()).isEqualTo(clone);
            assertThat(e.retry()).isEqualTo(Retry.BACKOFF);
        });
        Snapshot recovered = source.sync();
        assertThat(recovered.revision()).isEqualTo(next);
        assertThat(files(recovered.specDir())).containsExactly("db.yaml", "web.yaml");
    }

    @Test
    void worksOverFileUrlsAndPlainPaths() throws Exception {
        String sha = repo.write("partitions.d/web.yaml", WEB).commitAndPush("web");

        assertThat(new GitSource(GitSettings.of(repo.fileUrl()), state.resolve("a")).sync().revision())
                .isEqualTo(sha);
        assertThat(new GitSource(GitSettings.of(repo.bareDir().toString()), state.resolve("b")).sync().revision())
                .isEqualTo(sha);
    }

    private static String headOf(Path clone) throws IOException {
        return Files.readString(clone.resolve(".git/HEAD")).strip();
    }

    private static java.util.List<String> files(Path dir) throws IOException {
        try (var list = Files.list(dir)) {
            return list.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
