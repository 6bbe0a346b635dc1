package dev.celadon.reconciler.images;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ImageCredentialsTest {

    @TempDir
    Path dir;

    private ImageCredentials token(String name, String prefix, String token) throws Exception {
        Path file = Files.writeString(dir.resolve(name), token + "\n");
        return ImageCredentials.of("celadon.images.credentials." + name, name, prefix, Optional.of(file), Optional.empty());
    }

    @Test
    void theLongestPrefixOfTheSameOriginWins() throws Exception {
        ImageCredentials all = token("all", "https://images.example.org/", "t-all");
        ImageCredentials team = token("team", "https://images.example.org/team/", "t-team");
        List<ImageCredentials> credentials = List.of(all, team);
        assertThat(ImageCredentials.forUrl(credentials, URI.create("https://images.example.org/team/a.qcow2"))).hasValue(team);
        assertThat(ImageCredentials.forUrl(credentials, URI.create("https://IMAGES.example.org:443/b.qcow2"))).hasValue(all);
        assertThat(ImageCredentials.forUrl(credentials, URI.create("http://images.example.org/b.qcow2")))
                .as("not over plain http when the prefix is https").isEmpty();
        assertThat(ImageCredentials.forUrl(credentials, URI.create("https://images.example.org.evil.test/b.qcow2"))).isEmpty();
        assertThat(ImageCredentials.forUrl(credentials, URI.create("https://images.example.org:8443/b.qcow2"))).isEmpty();
        assertThat(team.authorization()).isEqualTo("Bearer t-team");
    }

    @Test
    void aPasswordFileIsBasicAndNeverShown() throws Exception {
        Path file = Files.writeString(dir.resolve("pw"), "alice:s3cret\n");
        ImageCredentials basic = ImageCredentials.of("celadon.images.credentials.m", "m", "http://mirror.test:8080/x",
                Optional.empty(), Optional.of(file));
        assertThat(basic.authorization()).isEqualTo("Basic YWxpY2U6czNjcmV0");
        assertThat(basic.toString()).doesNotContain("s3cret").doesNotContain("YWxp");
        Files.writeString(file, "no-colon");
        assertThatThrownBy(basic::authorization).isInstanceOf(ImageFailure.class).hasMessageNotContaining("no-colon");
    }

    @Test
    void badConfigurationNamesTheKey() throws Exception {
        Path file = Files.writeString(dir.resolve("t"), "t");
        assertThatThrownBy(() -> ImageCredentials.of("celadon.images.credentials.x", "x", "ftp://h/", Optional.of(file), Optional.empty()))
                .hasMessageStartingWith("celadon.images.credentials.x.url-prefix=ftp://h/: ");
        assertThatThrownBy(() -> ImageCredentials.of("celadon.images.credentials.x", "x", "https://u:p@h/", Optional.of(file), Optional.empty()))
                .hasMessageContaining("no user");
        assertThatThrownBy(() -> ImageCredentials.of("celadon.images.credentials.x", "x", "https://h/", Optional.of(file), Optional.of(file)))
                .hasMessage("celadon.images.credentials.x: set either token-file (a bearer token) or password-file (user:password), not both");
        assertThatThrownBy(() -> ImageCredentials.of("celadon.images.credentials.x", "x", "https://h/", Optional.of(dir.resolve("absent")), Optional.empty()))
                .hasMessage("celadon.images.credentials.x.token-file=" + dir.resolve("absent") + ": not a readable file");
    }
}
