package dev.celadon.reconciler.status;

import org.junit.jupiter.api.Test;

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
}
