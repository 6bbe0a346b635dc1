package dev.celadon.reconciler.source;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

class RedactionTest {

    @Test
    void removesUserinfoOfAnyForm() {
        assertThat(Redaction.redactUrl("https://user:secret@host/r.git")).isEqualTo("https://host/r.git");
        assertThat(Redaction.redactUrl("https://ghp_token@host:8443/r.git")).isEqualTo("https://host:8443/r.git");
        assertThat(Redaction.redactUrl("ssh://git@host/r.git")).isEqualTo("ssh://host/r.git");
        assertThat(Redaction.redactUrl("HTTP://u:p@host")).isEqualTo("HTTP://host");
    }

    @Test
    void leavesUrlsWithoutUserinfoAlone() {
        for (String url : List.of("git://127.0.0.1:9418/r.git", "file:///srv/r.git", "/srv/r.git",
                "https://host/a@b", "git@host:org/r.git")) {
            assertThat(Redaction.redactUrl(url)).isEqualTo(url);
        }
    }

    @Test
    void scrubsUrlsAndSecretsInsideText() {
        String text = "fetch https://u:tok3n@host/r.git failed: server said tok3n is bad";

        assertThat(Redaction.scrub(text, List.of("tok3n")))
                .isEqualTo("fetch https://host/r.git failed: server said *** is bad");
        assertThat(Redaction.scrub(null, List.of())).isEmpty();
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
            "https://u:p@ss@git.example:8443/r.git | https://git.example:8443/r.git",
            "failed https://u:t@a.example/x; https://u:t@b.example/y | failed https://a.example/x; https://b.example/y",
            "file:///srv/git/demo | file:///srv/git/demo",
            "https://git.example/users/me@example.org/r.git | https://git.example/users/me@example.org/r.git",
            "git@git.example:org/r.git | git@git.example:org/r.git",
    })
    void removesWholeUserinfoAndNothingElse(String text, String shown) {
        assertThat(Redaction.redactUrl(text)).isEqualTo(shown);
    }

    @Test
    void nullStaysNull() {
        assertThat(Redaction.redactUrl(null)).isNull();
    }
}
