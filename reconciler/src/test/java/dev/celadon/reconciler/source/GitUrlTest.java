package dev.celadon.reconciler.source;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GitUrlTest {

    /** The password as written in the URL, and as sent: percent-escapes decoded as UTF-8, nothing else. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "Se#cr?et | Se#cr?et",
            "pa/ss | pa/ss",
            "p@ss:w0rd | p@ss:w0rd",
            "%41bc | Abc",
            "a b | a b",
            "ünï | ünï",
            "%C3%BCn%C3%AF | ünï",
            "pa%2Fss%40x | pa/ss@x",
            "100% | 100%",
            "%4 | %4",
            "%zz%4g | %zz%4g",
            "a+b | a+b",
            "\"\" | \"\"",
    })
    void splitsUserAndPasswordAtTheFirstColonAndDecodesThem(String written, String meant) {
        GitUrl url = GitUrl.parse("https://carol:" + written + "@git.example/r.git");

        assertThat(url.user()).hasValue("carol");
        assertThat(url.password()).hasValue(meant);
        assertThat(url.withoutUserinfo()).isEqualTo("https://git.example/r.git");
    }

    @Test
    void aUserWithoutPasswordOrABareToken() {
        GitUrl url = GitUrl.parse("https://ghp_t%2Foken@git.example/r.git");

        assertThat(url.user()).hasValue("ghp_t/oken");
        assertThat(url.password()).isEmpty();
        assertThat(url.secretForms()).containsExactly("ghp_t%2Foken", "ghp_t/oken");
    }

    @Test
    void anEscapedColonBelongsToTheUser() {
        GitUrl url = GitUrl.parse("https://do%3Amain:pw@git.example/r.git");

        assertThat(url.user()).hasValue("do:main");
        assertThat(url.password()).hasValue("pw");
    }

    @Test
    void noUserinfo() {
        for (String plain : new String[] {"https://git.example/r.git", "https://@git.example/r.git", "/srv/a@b/r.git",
                "git.example:org/r.git"}) {
            GitUrl url = GitUrl.parse(plain);

            assertThat(url.userinfo()).as(plain).isEqualTo(Optional.empty());
            assertThat(url.user()).isEmpty();
            assertThat(url.secretForms()).isEmpty();
        }
    }

    @Test
    void scpLikeUserinfo() {
        GitUrl url = GitUrl.parse("git@git.example:org/r.git");

        assertThat(url.user()).hasValue("git");
        assertThat(url.withoutUserinfo()).isEqualTo("git.example:org/r.git");
    }

    @Test
    void secretFormsAreTheUserinfoAndThePasswordAsWrittenAndAsMeant() {
        GitUrl url = GitUrl.parse("https://carol:%41b/c@git.example/r.git");

        assertThat(url.secretForms()).containsExactly("carol:%41b/c", "%41b/c", "Ab/c");
    }
}
