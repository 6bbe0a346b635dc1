package dev.celadon.reconciler.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class GitSettingsTest {

    @Test
    void defaultsBranchAndPath() {
        GitSettings settings = new GitSettings("git://host/r.git", null, null, " ", null, null, null);

        assertThat(settings.branch()).isEqualTo("main");
        assertThat(settings.path()).isEqualTo("partitions.d");
        assertThat(settings.ref()).isEmpty();
        assertThat(settings.target()).isEqualTo("main");
    }

    @Test
    void refWinsOverBranch() {
        GitSettings settings = GitSettings.of("git://host/r.git").withBranch("dev").withRef("v1.2");

        assertThat(settings.target()).isEqualTo("v1.2");
        assertThat(settings.refIsCommit()).isFalse();
        assertThat(settings.withRef("0123456789abcdef0123456789abcdef01234567").refIsCommit()).isTrue();
    }

    @Test
    void normalizesPath() {
        GitSettings settings = GitSettings.of("/srv/r.git");

        assertThat(settings.withPath("./clusters/a/").path()).isEqualTo("clusters/a");
        assertThat(settings.withPath(".").path()).isEqualTo(".");
    }

    @Test
    void rejectsPathsLeavingTheRepository() {
        GitSettings settings = GitSettings.of("/srv/r.git");

        for (String bad : new String[] {"/etc", "../x", "a/../../b", "a//b", ".git/hooks"}) {
            assertThatThrownBy(() -> settings.withPath(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void rejectsBadBranchAndRef() {
        GitSettings settings = GitSettings.of("/srv/r.git");

        assertThatThrownBy(() -> settings.withBranch("a..b")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> settings.withRef("v1 2")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> settings.withRef("refs/heads/main")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void sshNeedsKeyAndKnownHosts() {
        assertThatThrownBy(() -> GitSettings.of("ssh://git@host/r.git"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ssh-key-file");

        GitSettings ssh = GitSettings.ofSsh("git@host:r.git", Path.of("/k"), Path.of("/known"));
        assertThat(ssh.protocol()).isEqualTo(GitSettings.Protocol.SSH);
    }

    @Test
    void credentialsOnlyWhereTheyApply() {
        assertThatThrownBy(() -> GitSettings.of("git://host/r.git").withTokenFile(Path.of("/t")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("token-file");
        assertThatThrownBy(() -> GitSettings.ofSsh("https://host/r.git", Path.of("/k"), Path.of("/kh")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ssh-key-file");
    }

    @Test
    void rejectsUnsupportedScheme() {
        assertThatThrownBy(() -> GitSettings.of("ftp://user:hunter2@host/r.git"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ftp://host/r.git")
                .hasMessageNotContaining("hunter2");
    }

    @Test
    void sshPasswordIsRefusedWithoutShowingIt() {
        assertThatThrownBy(() -> new GitSettings("ssh://git:hunter2@host/r.git", null, Optional.empty(), null,
                Optional.of(Path.of("/k")), Optional.of(Path.of("/kh")), Optional.empty()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageNotContaining("hunter2");
    }

    @Test
    void scpLikePasswordIsRefusedWithoutShowingIt() {
        assertThatThrownBy(() -> GitSettings.ofSsh("git:pa/ss@host:org/r.git", Path.of("/k"), Path.of("/kh")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("host:org/r.git")
                .hasMessageNotContaining("pa/ss");
    }

    /** JGit's own parser reads the part after a '/' in a password as a path; the protocol is still http. */
    @ParameterizedTest
    @ValueSource(strings = {"Se#cr?et", "pa/ss", "p@ss:w0rd", "%41bc", "a b", "ünï", ""})
    void trickyPasswordsAreCredentialsNeverShown(String password) {
        GitSettings settings = GitSettings.of("http://carol:" + password + "@git.example:8443/org/r.git");

        assertThat(settings.protocol()).isEqualTo(GitSettings.Protocol.HTTP);
        assertThat(settings.redactedUrl()).isEqualTo("http://git.example:8443/org/r.git");
        assertThat(settings.toString()).contains("url=http://git.example:8443/org/r.git,").doesNotContain("carol");
    }

    @Test
    void anUnsupportedSchemeIsShownWithoutATrickyPassword() {
        assertThatThrownBy(() -> GitSettings.of("ftp://carol:pa/ss#x@host/r.git"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ftp://host/r.git")
                .hasMessageNotContaining("pa/ss");
    }

    @Test
    void toStringAndRedactedUrlHideCredentials() {
        GitSettings settings = GitSettings.of("https://deploy:hunter2@git.example.com/org/r.git")
                .withTokenFile(Path.of("/run/secrets/token"));

        assertThat(settings.redactedUrl()).isEqualTo("https://git.example.com/org/r.git");
        assertThat(settings.toString()).doesNotContain("hunter2").doesNotContain("deploy")
                .contains("https://git.example.com/org/r.git", "/run/secrets/token");
    }
}
