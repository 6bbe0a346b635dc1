package dev.celadon.reconciler.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.celadon.reconciler.testing.SshServer;
import dev.celadon.reconciler.testing.TestRepo;

/** {@link GitSource} over ssh against a real OpenSSH {@code sshd} on loopback, with strict host keys. */
class GitSourceSshIT {

    private static final String SPEC = "apiVersion: celadon.dev/v1alpha1\nkind: Partition\nmetadata: {name: web}\n";

    @TempDir
    static Path dir;
    private static SshServer sshd;
    private static TestRepo repo;

    @TempDir
    Path state;

    @BeforeAll
    static void start() {
        assumeTrue(SshServer.available(), "needs openssh-server");
        sshd = SshServer.start(dir.resolve("sshd"));
        repo = TestRepo.create(dir, "specs");
    }

    @AfterAll
    static void stop() {
        if (sshd != null) {
            sshd.close();
        }
    }

    @Test
    void fetchesWithTheKeyFromAHostInTheKnownHostsFile() throws Exception {
        String sha = repo.write("partitions.d/web.yaml", SPEC).commitAndPush("web");
        GitSource source = new GitSource(GitSettings.ofSsh(sshd.url(repo), sshd.clientKey(), sshd.knownHosts()),
                state.resolve("clone"));

        assertThat(source.sync().revision()).isEqualTo(sha);
        String next = repo.write("partitions.d/db.yaml", SPEC.replace("web", "db")).commitAndPush("db");
        assertThat(source.sync().revision()).isEqualTo(next);
    }

    @Test
    void refusesAHostKeyNotInTheKnownHostsFile() {
        repo.write("partitions.d/web.yaml", SPEC).commitAndPush("web");
        GitSource source = new GitSource(GitSettings.ofSsh(sshd.url(repo), sshd.clientKey(), sshd.otherKnownHosts()),
                state.resolve("clone"));

        assertThatThrownBy(source::sync).isInstanceOfSatisfying(AuthenticationFailedException.class,
                e -> assertThat(e.problem()).contains("host key", sshd.otherKnownHosts().toString()));
        assertThat(state.resolve("clone")).doesNotExist();
    }

    @Test
    void aKeyTheServerDoesNotKnowIsAnAuthenticationFailure() {
        repo.write("partitions.d/web.yaml", SPEC).commitAndPush("web");
        Path notAuthorized = dir.resolve("sshd/other_host_key"); // a valid key, but not in authorized_keys
        GitSource source = new GitSource(GitSettings.ofSsh(sshd.url(repo), notAuthorized, sshd.knownHosts()),
                state.resolve("clone"));

        assertThatThrownBy(source::sync).isInstanceOfSatisfying(AuthenticationFailedException.class,
                e -> assertThat(e.problem()).contains("refused the key"));
    }
}
