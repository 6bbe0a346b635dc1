package dev.celadon.reconciler.status;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

class RedactionTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "https://user:pass@git.example/r.git | https://git.example/r.git",
            "https://ghp_token@git.example/r.git | https://git.example/r.git",
            "https://u:p@ss@git.example:8443/r.git | https://git.example:8443/r.git",
            "ssh://git@git.example/r.git | ssh://git.example/r.git",
            "failed https://u:t@a.example/x; https://u:t@b.example/y | failed https://a.example/x; https://b.example/y",
            "https://git.example/r.git | https://git.example/r.git",
            "file:///srv/git/demo | file:///srv/git/demo",
            "https://git.example/users/me@example.org/r.git | https://git.example/users/me@example.org/r.git",
            "git@git.example:org/r.git | git@git.example:org/r.git",
    })
    void userInfoIsRemovedAndNothingElse(String text, String shown) {
        assertThat(Redaction.stripUserInfo(text)).isEqualTo(shown);
    }

    @Test
    void nullStaysNull() {
        assertThat(Redaction.stripUserInfo(null)).isNull();
    }

    @Test
    void sourceStatusNeverHoldsCredentials() {
        SourceStatus source = new SourceStatus("https://x:secret@git.example/r.git", "main", null, null,
                "https://x:secret@git.example/r.git: not authorized", true);

        assertThat(source.url()).isEqualTo("https://git.example/r.git");
        assertThat(source.lastError()).isEqualTo("https://git.example/r.git: not authorized");
    }
}
