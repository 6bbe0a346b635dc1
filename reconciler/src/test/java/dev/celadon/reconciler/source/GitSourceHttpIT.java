package dev.celadon.reconciler.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Optional;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.celadon.reconciler.testing.GitHttpServer;
import dev.celadon.reconciler.testing.TestRepo;

/** {@link GitSource} over smart HTTP, against the real {@code git http-backend}, with tokens. */
class GitSourceHttpIT {

    private static final String TOKEN = "tok-3f9a7c1e5b";
    private static final String SPEC = "apiVersion: celadon.dev/v1alpha1\nkind: Partition\nmetadata: {name: web}\n";

    @TempDir
    Path served;
    @TempDir
    Path state;
    private TestRepo repo;
    private String sha;

    @BeforeEach
    void createRepo() {
        repo = TestRepo.create(served, "specs");
        sha = repo.write("partitions.d/web.yaml", SPEC).commitAndPush("web");
    }

    @Test
    void bearerTokenFromFile() throws Exception {
        try (GitHttpServer server = GitHttpServer.start(served, Optional.of("Bearer " + TOKEN))) {
            Path tokenFile = Files.writeString(state.resolve("token"), TOKEN + "\n");
            GitSource source = new GitSource(GitSettings.of(server.url(repo)).withTokenFile(tokenFile),
                    state.resolve("clone"));

            assertThat(source.sync().revision()).isEqualTo(sha);
            String next = repo.write("partitions.d/db.yaml", SPEC.replace("web", "db")).commitAndPush("db");
            assertThat(source.sync().revision()).isEqualTo(next);
        }
    }

    @Test
    void wrongTokenIsAnAuthenticationFailureThatNeverShowsTheToken() throws Exception {
        try (GitHttpServer server = GitHttpServer.start(served, Optional.of("Bearer " + TOKEN))) {
            Path tokenFile = Files.writeString(state.resolve("token"), "wrong-" + TOKEN);
            GitSource source = new GitSource(GitSettings.of(server.url(repo)).withTokenFile(tokenFile),
                    state.resolve("clone"));

            assertThatThrownBy(source::sync).isInstanceOfSatisfying(AuthenticationFailedException.class, e -> {
                assertThat(e.getMessage()).contains(server.url(repo), "refused the credentials");
                assertThat(everythingPrinted(e)).doesNotContain(TOKEN);
            });

            // Files are read at every fetch: fixing the token needs no restart.
            Files.writeString(tokenFile, TOKEN);
            assertThat(source.sync().revision()).isEqualTo(sha);
        }
    }

    @Test
    void missingTokenFileOrNoTokenIsAnAuthenticationFailure() {
        try (GitHttpServer server = GitHttpServer.start(served, Optional.of("Bearer " + TOKEN))) {
            GitSettings noFile = GitSettings.of(server.url(repo)).withTokenFile(state.resolve("absent"));
            assertThatThrownBy(new GitSource(noFile, state.resolve("a"))::sync)
                    .isInstanceOf(AuthenticationFailedException.class).hasMessageContaining("cannot read token file");

            assertThatThrownBy(new GitSource(GitSettings.of(server.url(repo)), state.resolve("b"))::sync)
                    .isInstanceOf(AuthenticationFailedException.class).hasMessageContaining("requires credentials");
        }
    }

    @Test
    void basicCredentialsFromFileOrUrl() throws Exception {
        String basic = "Basic " + Base64.getEncoder().encodeToString(("deploy:" + TOKEN).getBytes(StandardCharsets.UTF_8));
        try (GitHttpServer server = GitHttpServer.start(served, Optional.of(basic))) {
            Path tokenFile = Files.writeString(state.resolve("token"), "deploy:" + TOKEN);
            assertThat(new GitSource(GitSettings.of(server.url(repo)).withTokenFile(tokenFile), state.resolve("a"))
                    .sync().revision()).isEqualTo(sha);

            String withUserinfo = server.url(repo).replace("http://", "http://deploy:" + TOKEN + "@");
            GitSettings settings = GitSettings.of(withUserinfo);
            assertThat(new GitSource(settings, state.resolve("b")).sync().revision()).isEqualTo(sha);
            assertThat(settings.redactedUrl()).isEqualTo(server.url(repo));
            // The clone's own config must not keep the secret on disk either.
            assertThat(Files.readString(state.resolve("b/.git/config"))).doesNotContain(TOKEN);

            GitSettings wrong = GitSettings.of(withUserinfo.replace(TOKEN, TOKEN + "x"));
            assertThatThrownBy(new GitSource(wrong, state.resolve("c"))::sync)
                    .isInstanceOfSatisfying(AuthenticationFailedException.class,
                            e -> assertThat(everythingPrinted(e)).doesNotContain(TOKEN));
        }
    }

    /**
     * Unencoded, as pasted: each password is sent as it is meant (escapes decoded) and never reaches the
     * clone, a message or a stack trace. The last password is wrong, so that an error quotes the URL.
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "Se#cr?et | Se#cr?et", "pa/ss | pa/ss", "p@ss:w0rd | p@ss:w0rd", "%41bc | Abc", "a b | a b",
            "ünï | ünï", "\"\" | \"\"", "#?/@:%25 | #?/@:%"})
    void trickyPasswordsInTheUrlAreSentAndNeverKept(String written, String meant) throws Exception {
        String basic = "Basic " + Base64.getEncoder().encodeToString(("carol:" + meant).getBytes(StandardCharsets.UTF_8));
        try (GitHttpServer server = GitHttpServer.start(served, Optional.of(basic))) {
            String withUserinfo = server.url(repo).replace("http://", "http://carol:" + written + "@");
            GitSettings settings = GitSettings.of(withUserinfo);

            assertThat(new GitSource(settings, state.resolve("a")).sync().revision()).isEqualTo(sha);
            assertThat(Files.readString(state.resolve("a/.git/config")))
                    .contains("url = " + server.url(repo) + "\n").doesNotContain("carol");

            GitSettings wrong = GitSettings.of(withUserinfo.replace("carol:", "carol:x/"));
            assertThatThrownBy(new GitSource(wrong, state.resolve("b"))::sync)
                    .isInstanceOfSatisfying(AuthenticationFailedException.class, e -> {
                        assertThat(e.getMessage()).contains(server.url(repo), "refused the credentials");
                        assertThat(everythingPrinted(e)).doesNotContain("carol");
                    });
            assertThat(Files.readString(state.resolve("b.new/.git/config"))).doesNotContain("carol");
        }
    }

    @Test
    void unreachableServer() {
        int port;
        try (GitHttpServer server = GitHttpServer.start(served, Optional.empty())) {
            port = server.port();
        }
        GitSettings settings = GitSettings.of("http://127.0.0.1:" + port + "/specs.git");
        assertThatThrownBy(new GitSource(settings, state.resolve("clone"))::sync)
                .isInstanceOf(RemoteUnreachableException.class);
    }

    /** Message, toString and stack trace of the exception and all its causes, as a log would show them. */
    private static String everythingPrinted(Throwable e) {
        StringWriter out = new StringWriter();
        e.printStackTrace(new PrintWriter(out));
        return out.toString();
    }
}
