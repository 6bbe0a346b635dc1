package dev.celadon.reconciler.source;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RedactionTest {

    /**
     * Passwords as they get pasted, unencoded: each has what ends an RFC 3986 authority early or reads as
     * a second userinfo, an escape, a space, non-ASCII, nothing at all.
     */
    @ParameterizedTest
    @ValueSource(strings = {"Se#cr?et", "pa/ss", "p@ss:w0rd", "%41bc", "a b", "ünï", "", "#?/@:%", "/", "@",
            "x@y/z#w?v", "%2F%40", "100%", "a:b:c", "p/ss@host:8443/r.git"})
    void removesTheWholeUserinfoWhateverThePasswordHolds(String password) {
        for (String scheme : List.of("https", "http", "ssh", "git", "ftp")) {
            String url = scheme + "://carol:" + password + "@git.example:8443/org/r.git";

            assertThat(Redaction.redactUrl(url)).as(url).isEqualTo(scheme + "://git.example:8443/org/r.git");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"Se#cr?et", "pa/ss", "p@ss:w0rd", "%41bc", "ünï", "", "#?/@:%", "x@y/z#w?v"})
    void removesTheWholeUserinfoOfUrlsQuotedInText(String password) {
        String text = "cannot fetch from https://carol:" + password + "@git.example/r.git: not authorized";

        assertThat(Redaction.redactText(text)).isEqualTo("cannot fetch from https://git.example/r.git: not authorized");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "https://carol@git.example/r.git | https://git.example/r.git",
            "https://ghp_token@git.example:8443/r.git | https://git.example:8443/r.git",
            "https://@git.example/r.git | https://git.example/r.git",
            "HTTP://u:p@git.example | HTTP://git.example",
            "ssh://git@git.example:2222/org/r.git | ssh://git.example:2222/org/r.git",
            "ssh://git:pa/ss@git.example/r.git | ssh://git.example/r.git",
            "git://u:p@ss@git.example/r.git | git://git.example/r.git",
            "git+ssh://git@[::1]:22/r.git | git+ssh://[::1]:22/r.git",
            "file://u:p@/srv/r.git | file:///srv/r.git",
    })
    void removesUserinfoOfEveryScheme(String url, String shown) {
        assertThat(Redaction.redactUrl(url)).isEqualTo(shown);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "git@git.example:org/r.git | git.example:org/r.git",
            "git:pa/ss@git.example:org/r.git | git.example:org/r.git",
            "git:p@ss@git.example:org/r.git | git.example:org/r.git",
            "git.example:org/r.git | git.example:org/r.git",
    })
    void removesUserinfoOfScpLikeUrls(String url, String shown) {
        assertThat(Redaction.redactUrl(url)).isEqualTo(shown);
    }

    @Test
    void leavesUrlsWithoutUserinfoAndLocalPathsAlone() {
        for (String url : List.of("git://127.0.0.1:9418/r.git", "file:///srv/r.git", "/srv/r.git",
                "/srv/a@b:c/r.git", "./a@b:c/r.git", "https://git.example/users/me%40example.org/r.git",
                "http://[::1]:8080/r.git")) {
            assertThat(Redaction.redactUrl(url)).isEqualTo(url);
        }
    }

    /** The price of never showing a password: an '@' in a path must be written %40, as above. */
    @Test
    void aRawAtInAPathEndsTheUserinfo() {
        assertThat(Redaction.redactUrl("https://git.example/users/me@example.org/r.git"))
                .isEqualTo("https://example.org/r.git");
    }

    @Test
    void redactsEveryUrlInTextAndLeavesTheRestAlone() {
        assertThat(Redaction.redactText("failed https://u:t@a.example/x; https://u:t#?/@b.example/y, mail me@host"))
                .isEqualTo("failed https://a.example/x; https://b.example/y, mail me@host");
        assertThat(Redaction.redactText("git@host:org/r.git and file:///srv/r.git"))
                .isEqualTo("git@host:org/r.git and file:///srv/r.git");
        assertThat(Redaction.redactText("see https://u:p@host/r$1.git")).isEqualTo("see https://host/r$1.git");
    }

    @Test
    void scrubsUrlsAndSecretsInsideText() {
        String text = "fetch https://u:tok3n@host/r.git failed: server said tok3n is bad";

        assertThat(Redaction.scrub(text, List.of("tok3n")))
                .isEqualTo("fetch https://host/r.git failed: server said *** is bad");
        assertThat(Redaction.scrub(null, List.of())).isEmpty();
    }

    /** Text ends a URL at a space, so a password with one is the known secrets' job. */
    @Test
    void scrubsThePartsOfAPasswordWithASpaceThatTextCannotTellFromProse() {
        GitUrl url = GitUrl.parse("https://carol:a b@host/r.git");
        String text = "echoed https://carol:a b@host/r.git and carol:a b";

        assertThat(Redaction.scrub(text, url.secretForms())).doesNotContain("a b").doesNotContain("carol:a");
    }

    @Test
    void scrubsTheLongestSecretFirst() {
        assertThat(Redaction.scrub("u:pw and pw", List.of("pw", "u:pw"))).isEqualTo("*** and ***");
    }

    @Test
    void nullStaysNull() {
        assertThat(Redaction.redactUrl(null)).isNull();
        assertThat(Redaction.redactText(null)).isNull();
    }
}
