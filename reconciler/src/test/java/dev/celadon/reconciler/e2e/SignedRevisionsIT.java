package dev.celadon.reconciler.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.celadon.reconciler.testing.GitDaemon;
import dev.celadon.reconciler.testing.ReconcilerProcess;
import dev.celadon.reconciler.testing.Signers;
import dev.celadon.reconciler.testing.StatusClient;
import dev.celadon.reconciler.testing.TestRepo;
import dev.celadon.reconciler.testing.Workers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code celadon.git.verify=any} on real parts: keys made by {@code gpg} and {@code ssh-keygen}, commits and
 * tags signed by git itself, served by {@code git daemon}, the packaged reconciler as a process and one tiny
 * guest under TCG. Revisions signed by a trusted key are applied; an unsigned one, one signed by a key
 * nobody trusted, and a signed tag moved to another commit are refused, and the running guest keeps its
 * worker (same pid) through every refusal. In order: one guest boot is seconds of emulation.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SignedRevisionsIT {

    /** TCG on a busy two-core machine: a boot takes seconds, sometimes tens of them. */
    private static final Duration CONVERGE = Duration.ofMinutes(3);
    private static final Duration SETTLE = Duration.ofSeconds(30);

    private Path root;
    private Path stateDir;
    private TestRepo repo;
    private GitDaemon daemon;
    private ReconcilerProcess reconciler;
    private StatusClient status;
    private Signers.OpenPgp alicePgp;
    private Signers.OpenPgp malloryPgp;
    private Signers.Ssh aliceSsh;
    private Signers.Ssh mallorySsh;
    private long webPid;
    private String applied;

    @BeforeAll
    void startEverything() throws IOException {
        root = Files.createTempDirectory("celadon-sig");
        stateDir = root.resolve("state");
        alicePgp = Signers.OpenPgp.generate(root.resolve("ga"), "alice");
        malloryPgp = Signers.OpenPgp.generate(root.resolve("gm"), "mallory");
        aliceSsh = Signers.Ssh.generate(root.resolve("ssh"), "alice");
        mallorySsh = Signers.Ssh.generate(root.resolve("ssh"), "mallory");
        Path trustedKeys = Files.writeString(root.resolve("trusted.asc"), alicePgp.armoredPublicKey());
        Path allowedSigners = Files.writeString(root.resolve("allowed_signers"), aliceSsh.allowedSignersLine("alice@ops"));

        repo = TestRepo.create(root.resolve("git"), "fleet");
        repo.write("partitions.d/README.md", "signed specs\n").commitSigned("start empty", alicePgp);
        repo.push();
        daemon = GitDaemon.start(root.resolve("git"));
        Path images = Path.of(System.getProperty("celadon-test.images", "../image-builder/target/images"));
        assertThat(images.resolve("tiny/vmlinuz")).as("the tiny guest; run `make guest`").exists();
        reconciler = ReconcilerProcess.start(Map.of(
                "CELADON_GIT_URL", daemon.url(repo),
                "CELADON_GIT_POLL_INTERVAL", "1s",
                "CELADON_GIT_VERIFY", "any",
                "CELADON_GIT_TRUSTED_KEYS_FILE", trustedKeys.toString(),
                "CELADON_GIT_ALLOWED_SIGNERS_FILE", allowedSigners.toString(),
                // Mallory's keyring where GnuPG would look by default: it must not count.
                "GNUPGHOME", malloryPgp.home().toString(),
                "CELADON_STATE_DIR", stateDir.toString(),
                "CELADON_IMAGES_DIRS", images.toAbsolutePath().toString(),
                "CELADON_HYPERVISOR_ACCEL", "tcg",
                "CELADON_APPLIANCE_NAME", "signed"), root.resolve("reconciler.log"));
        status = new StatusClient(() -> reconciler.url(""));
    }

    @AfterAll
    void stopEverything() {
        if (reconciler != null) {
            reconciler.close();
        }
        if (daemon != null) {
            daemon.close();
        }
        for (Signers.OpenPgp signer : new Signers.OpenPgp[] {alicePgp, malloryPgp}) {
            if (signer != null) {
                signer.close();
            }
        }
        // Workers outlive the reconciler by design; the test must not leave them behind.
        List<ProcessHandle> leftovers = Workers.under(stateDir).toList();
        leftovers.forEach(ProcessHandle::destroyForcibly);
    }

    private static String web() {
        return """
                apiVersion: celadon.dev/v1alpha1
                kind: Partition
                metadata:
                  name: web
                spec:
                  cpus: 1
                  memory: 128Mi
                  boot:
                    kernel: tiny/vmlinuz
                    initrd: tiny/initrd.img
                    cmdline: console=ttyS0 no_timer_check cryptomgr.notests celadon.hostname=web
                  shutdownGracePeriod: 5s
                """;
    }

    private JsonNode source() {
        return status.status().path("source");
    }

    private void awaitApplied(String revision) {
        await("revision " + revision + " applied").atMost(CONVERGE).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(source().path("revision").asText()).isEqualTo(revision));
        applied = revision;
    }

    /** The refusal shows in status, and after a few more polls nothing changed: same revision, same worker. */
    private JsonNode awaitRefused(String object, String reason) {
        await("revision " + object + " refused").atMost(SETTLE).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(source().path("verification").path("object").asText()).isEqualTo(object));
        JsonNode source = source();
        assertThat(source.path("verification").path("result").asText()).isEqualTo("Refused");
        assertThat(source.path("verification").path("reason").asText()).contains(reason);
        assertThat(source.path("lastError").asText()).contains("refused", reason, applied + " stays in force");
        assertThat(source.path("stale").asBoolean()).isFalse();
        await().pollDelay(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(() -> true);
        assertThat(source().path("revision").asText()).isEqualTo(applied);
        assertThat(status.phase("web")).isEqualTo("Running");
        assertThat(status.pid("web")).as("the running partition keeps its worker").isEqualTo(webPid);
        return source;
    }

    @Test
    @Order(1)
    void aCommitSignedWithATrustedOpenPgpKeyIsApplied() {
        repo.write("partitions.d/web.yaml", web());
        String signed = repo.commitSigned("add web", alicePgp);
        repo.push();

        awaitApplied(signed);
        await("web Running").atMost(CONVERGE).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(status.phase("web")).isEqualTo("Running"));
        webPid = status.pid("web");
        JsonNode verification = source().path("verification");
        assertThat(verification.path("result").asText()).isEqualTo("Verified");
        assertThat(verification.path("format").asText()).isEqualTo("openpgp");
        assertThat(verification.path("key").asText()).isEqualToIgnoringCase(alicePgp.fingerprint());
        assertThat(verification.path("signer").asText()).contains("alice@celadon.invalid");
        assertThat(source().path("lastError").isNull()).isTrue();
    }

    @Test
    @Order(2)
    void aCommitSignedWithATrustedSshKeyIsApplied() {
        repo.write("partitions.d/README.md", "signed specs, now over SSH too\n");
        String signed = repo.commitSigned("readme", aliceSsh);
        repo.push();

        awaitApplied(signed);
        JsonNode verification = source().path("verification");
        assertThat(verification.path("result").asText()).isEqualTo("Verified");
        assertThat(verification.path("format").asText()).isEqualTo("ssh");
        assertThat(verification.path("key").asText()).startsWith("SHA256:");
        assertThat(verification.path("signer").asText()).isEqualTo("alice@ops");
        assertThat(status.pid("web")).isEqualTo(webPid);
    }

    @Test
    @Order(3)
    void anUnsignedCommitIsRefused() {
        String unsigned = repo.delete("partitions.d/web.yaml").commit("remove web, unsigned");
        repo.push();

        awaitRefused(unsigned, "not signed");
    }

    @Test
    @Order(4)
    void commitsSignedByUntrustedKeysAreRefused() {
        String pgp = repo.commitSigned("remove web, signed by mallory's OpenPGP key", malloryPgp);
        repo.push();
        awaitRefused(pgp, "not in celadon.git.trusted-keys-file");

        String ssh = repo.commitSigned("remove web, signed by mallory's SSH key", mallorySsh);
        repo.push();
        JsonNode source = awaitRefused(ssh, "not in celadon.git.allowed-signers-file");
        assertThat(source.path("verification").path("key").asText()).startsWith("SHA256:");
    }

    @Test
    @Order(5)
    void aSignedTagMovedToAnotherCommitIsRefused() {
        // Alice tags the revision that runs; the reconciler follows the tag from now on.
        repo.resetHard(applied);
        String tagObject = repo.signedTagAndPush("v1", alicePgp);
        reconciler.stop();
        reconciler.restartWith(Map.of("CELADON_GIT_REF", "v1"));
        reconciler.awaitReady();
        await("tag v1 verified").atMost(SETTLE).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(source().path("verification").path("object").asText()).isEqualTo(tagObject));
        assertThat(source().path("verification").path("result").asText()).isEqualTo("Verified");
        assertThat(source().path("revision").asText()).isEqualTo(applied);
        assertThat(status.pid("web")).as("adopted across the restart").isEqualTo(webPid);

        // Someone who can push but not sign moves the tag, signature and all, to a commit without web.
        String withoutWeb = repo.delete("partitions.d/web.yaml").commit("remove web");
        String forged = repo.retargetTagAndPush("v1", withoutWeb);

        awaitRefused(forged, "bad signature");
        assertThat(reconciler.log()).doesNotContain("BEGIN PGP", "BEGIN SSH", aliceSsh.publicKey().split(" ")[1]);
    }
}
