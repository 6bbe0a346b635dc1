package dev.celadon.reconciler.status;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/** Status holds no credentials, whatever the loop hands it: Git's error messages quote the remote URL. */
class RedactionTest {

    @Test
    void sourceStatusNeverHoldsCredentials() {
        SourceStatus source = new SourceStatus("https://x:secret@git.example/r.git", "main", null, null,
                "https://x:secret@git.example/r.git: not authorized", true);

        assertThat(source.url()).isEqualTo("https://git.example/r.git");
        assertThat(source.lastError()).isEqualTo("https://git.example/r.git: not authorized");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Se#cr?et", "pa/ss", "p@ss:w0rd", "%41bc", "ünï", "#?/@:%"})
    void norWithPasswordsThatEndAUriEarly(String password) {
        String url = "http://carol:" + password + "@git.example/r.git";
        SourceStatus source = new SourceStatus(url, "main", null, null,
                "cannot fetch from " + url + ": URI not supported: " + url.replace("//", "///"), true);

        assertThat(source.url()).isEqualTo("http://git.example/r.git");
        assertThat(source.lastError()).isEqualTo("cannot fetch from http://git.example/r.git: URI not supported: "
                + "http://git.example/r.git");
    }
}
