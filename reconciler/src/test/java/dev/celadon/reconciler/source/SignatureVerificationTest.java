package dev.celadon.reconciler.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.Optional;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

import dev.celadon.hypervisor.Retry;
import dev.celadon.reconciler.testing.Signers;
import dev.celadon.reconciler.testing.TestRepo;

/**
 * {@code celadon.git.verify} in {@link GitSource}, with keys made by real {@code gpg} and {@code ssh-keygen}
 * and commits and tags signed by real git, fetched over {@code file://}.
 */
class SignatureVerificationTest {

    private static final String WEB = "apiVersion: celadon.dev/v1alpha1\nkind: Partition\nmetadata: {name: web}\n";
    private static final String DB = "apiVersion: celadon.dev/v1alpha1\nkind: Partition\nmetadata: {name: db}\n";

    @TempDir
    static Path keys;
    private static Signers.OpenPgp trustedPgp;
    private static Signers.OpenPgp strangerPgp;
    private static Signers.Ssh trustedSsh;
    private static Signers.Ssh strangerSsh;

    @TempDir
    Path dir;
    private TestRepo repo;
    private Path trustedKeysFile;
    private Path allowedSignersFile;

    @BeforeAll
    static void makeKeys() {
        trustedPgp = Signers.OpenPgp.generate(keys.resolve("pa"), "alice");
        strangerPgp = Signers.OpenPgp.generate(keys.resolve("pm"), "mallory");
        trustedSsh = Signers.Ssh.generate(keys.resolve("ssh"), "alice");
        strangerSsh = Signers.Ssh.generate(keys.resolve("ssh"), "mallory");
    }

    @AfterAll
    static void stopAgents() {
        trustedPgp.close();
        strangerPgp.close();
    }

    @BeforeEach
    void createRepo(TestInfo test) throws IOException {
        repo = TestRepo.create(dir, test.getTestMethod().orElseThrow().getName());
        trustedKeysFile = Files.writeString(dir.resolve("trusted.asc"), trustedPgp.armoredPublicKey());
        allowedSignersFile = Files.writeString(dir.resolve("allowed_signers"), trustedSsh.allowedSignersLine("alice@ops"));
    }

    private GitSource source(VerifyMode mode, GitSettings settings) {
        Optional<Path> pgp = mode == VerifyMode.SSH ? Optional.empty() : Optional.of(trustedKeysFile);
        Optional<Path> ssh = mode == VerifyMode.OPENPGP ? Optional.empty() : Optional.of(allowedSignersFile);
        return new GitSource(settings, dir.resolve("clone"), new TrustedKeys(mode, pgp, ssh), Clock.systemUTC());
    }

    private GitSource source(VerifyMode mode) {
        return source(mode, GitSettings.of(repo.fileUrl()));
    }

    @Test
    void appliesACommitSignedWithATrustedOpenPgpKey() throws Exception {
        String signed = repo.write("partitions.d/web.yaml", WEB).commitSigned("web", trustedPgp);
        repo.push();

        Snapshot snapshot = source(VerifyMode.OPENPGP).sync();

        assertThat(snapshot.revision()).isEqualTo(signed);
        assertThat(snapshot.verification().verified()).isTrue();
        assertThat(snapshot.verification().format()).isEqualTo("openpgp");
        assertThat(snapshot.verification().key()).isEqualToIgnoringCase(trustedPgp.fingerprint());
        assertThat(snapshot.verification().signer()).contains("alice@celadon.invalid");
    }

    @Test
    void appliesACommitSignedWithATrustedSshKey() throws Exception {
        String signed = repo.write("partitions.d/web.yaml", WEB).commitSigned("web", trustedSsh);
        repo.push();

        Snapshot snapshot = source(VerifyMode.SSH).sync();

        assertThat(snapshot.revision()).isEqualTo(signed);
        assertThat(snapshot.verification()).extracting(Verification::verified, Verification::format,
                Verification::signer).containsExactly(true, "ssh", "alice@ops");
        assertThat(snapshot.verification().key()).startsWith("SHA256:");
    }

    @Test
    void refusesUnsignedAndUntrustedCommitsAndKeepsTheCheckout() throws Exception {
        String good = repo.write("partitions.d/web.yaml", WEB).commitSigned("web", trustedPgp);
        repo.push();
        GitSource source = source(VerifyMode.ANY);
        Path specDir = source.sync().specDir();

        String unsigned = repo.write("partitions.d/db.yaml", DB).commitAndPush("unsigned");
        assertThatThrownBy(source::sync).isInstanceOfSatisfying(RevisionRefusedException.class, e -> {
            assertThat(e.verification().object()).isEqualTo(unsigned);
            assertThat(e.verification().reason()).isEqualTo("not signed");
            assertThat(e.retry()).isEqualTo(Retry.STALL);
        });
        assertThat(specDir.resolve("db.yaml")).as("the refused revision is not checked out").doesNotExist();

        repo.commitSigned("mallory's pgp", strangerPgp);
        repo.push();
        assertThatThrownBy(source::sync).isInstanceOfSatisfying(RevisionRefusedException.class, e ->
                assertThat(e.verification().reason()).contains("not in celadon.git.trusted-keys-file")
                        .contains(strangerPgp.fingerprint().toLowerCase()));

        repo.commitSigned("mallory's ssh", strangerSsh);
        repo.push();
        assertThatThrownBy(source::sync).isInstanceOfSatisfying(RevisionRefusedException.class, e ->
                assertThat(e.verification().reason()).contains("not in celadon.git.allowed-signers-file"));

        assertThat(Files.readString(specDir.getParent().resolve(".git/HEAD")).strip()).isEqualTo(good);
        assertThat(source.lastCheckout()).map(Snapshot::revision).contains(good);
    }

    @Test
    void refusesASignatureOfTheKindNotAsked() throws Exception {
        repo.write("partitions.d/web.yaml", WEB).commitSigned("web", trustedSsh);
        repo.push();

        assertThatThrownBy(source(VerifyMode.OPENPGP)::sync).isInstanceOfSatisfying(RevisionRefusedException.class,
                e -> assertThat(e.verification().reason()).isEqualTo("signed with ssh, but celadon.git.verify=openpgp"));
    }

    @Test
    void aKeyAddedToTheFileCountsWithoutARestart() throws Exception {
        repo.write("partitions.d/web.yaml", WEB).commitSigned("web", strangerPgp);
        repo.push();
        GitSource source = source(VerifyMode.OPENPGP);
        assertThatThrownBy(source::sync).isInstanceOf(RevisionRefusedException.class);

        Files.writeString(trustedKeysFile, trustedPgp.armoredPublicKey() + strangerPgp.armoredPublicKey());

        assertThat(source.sync().verification().key()).isEqualToIgnoringCase(strangerPgp.fingerprint());
    }

    @Test
    void aKeyRemovedFromTheFileNoLongerCounts() throws Exception {
        repo.write("partitions.d/web.yaml", WEB).commitSigned("web", trustedSsh);
        repo.push();
        GitSource source = source(VerifyMode.SSH);
        source.sync();

        Files.writeString(allowedSignersFile, strangerSsh.allowedSignersLine("alice@ops"));

        assertThatThrownBy(source::sync).isInstanceOf(RevisionRefusedException.class);
    }

    @Test
    void aTagIsVerifiedByItsOwnSignatureAndAForgedOneIsRefused() throws Exception {
        String tagged = repo.write("partitions.d/web.yaml", WEB).commitAndPush("web, unsigned commit");
        String tagObject = repo.signedTagAndPush("v1", trustedPgp);
        GitSource source = source(VerifyMode.OPENPGP, GitSettings.of(repo.fileUrl()).withRef("v1"));

        Snapshot snapshot = source.sync();
        assertThat(snapshot.revision()).isEqualTo(tagged);
        assertThat(snapshot.verification().object()).isEqualTo(tagObject);

        String other = repo.write("partitions.d/db.yaml", DB).commitAndPush("db");
        repo.retargetTagAndPush("v1", other);

        assertThatThrownBy(source::sync).isInstanceOfSatisfying(RevisionRefusedException.class, e ->
                assertThat(e.verification().reason()).startsWith("bad signature"));
        assertThat(snapshot.specDir().resolve("db.yaml")).doesNotExist();
    }

    @Test
    void aLightweightTagHasNoSignature() throws Exception {
        repo.write("partitions.d/web.yaml", WEB).commitSigned("web", trustedPgp);
        repo.push();
        org.eclipse.jgit.api.Git.open(repo.workDir().toFile()).tag().setName("v1").setAnnotated(false).call();
        org.eclipse.jgit.api.Git.open(repo.workDir().toFile()).push().add("refs/tags/v1").call();

        assertThatThrownBy(source(VerifyMode.OPENPGP, GitSettings.of(repo.fileUrl()).withRef("v1"))::sync)
                .isInstanceOfSatisfying(RevisionRefusedException.class, e ->
                        assertThat(e.verification().reason()).contains("lightweight tag"));
    }

    @Test
    void misconfigurationIsOneLineNamingTheKeyAndValue() throws IOException {
        assertThatThrownBy(() -> new TrustedKeys(VerifyMode.OPENPGP, Optional.empty(), Optional.empty()))
                .hasMessage("celadon.git.verify=openpgp: needs celadon.git.trusted-keys-file");
        assertThatThrownBy(() -> new TrustedKeys(VerifyMode.ANY, Optional.empty(), Optional.empty()))
                .hasMessageStartingWith("celadon.git.verify=any: needs");
        assertThatThrownBy(() -> VerifyMode.parse("gpg"))
                .hasMessage("celadon.git.verify=gpg: must be none, openpgp, ssh or any");
        Path missing = dir.resolve("missing.asc");
        assertThatThrownBy(() -> new TrustedKeys(VerifyMode.OPENPGP, Optional.of(missing), Optional.empty()))
                .hasMessage("celadon.git.trusted-keys-file=" + missing + ": cannot be read: no such file");

        Path unreadable = Files.writeString(dir.resolve("unreadable.asc"), trustedPgp.armoredPublicKey());
        Files.setPosixFilePermissions(unreadable, PosixFilePermissions.fromString("---------"));
        if (!Files.isReadable(unreadable)) { // root reads anything
            assertThatThrownBy(() -> new TrustedKeys(VerifyMode.OPENPGP, Optional.of(unreadable), Optional.empty()))
                    .hasMessageContaining("cannot be read");
        }

        String armored = trustedPgp.armoredPublicKey();
        String body = armored.lines().filter(l -> l.length() > 40).findFirst().orElseThrow();
        Path corrupt = Files.writeString(dir.resolve("corrupt.asc"), armored.replace(body, "A".repeat(body.length())));
        assertThatThrownBy(() -> new TrustedKeys(VerifyMode.OPENPGP, Optional.of(corrupt), Optional.empty()))
                .hasMessage("celadon.git.trusted-keys-file=" + corrupt + ": the public key block at line 1 cannot be read");
        Path notArmored = Files.writeString(dir.resolve("ssh-as-pgp.asc"), trustedSsh.publicKey());
        assertThatThrownBy(() -> new TrustedKeys(VerifyMode.OPENPGP, Optional.of(notArmored), Optional.empty()))
                .hasMessageEndingWith("holds no ASCII-armored OpenPGP public key (gpg --armor --export)")
                .message().doesNotContain(trustedSsh.publicKey().split(" ")[1]);
        Path secret = Files.writeString(dir.resolve("secret.asc"),
                "-----BEGIN PGP PRIVATE KEY BLOCK-----\nsecretstuff\n-----END PGP PRIVATE KEY BLOCK-----\n");
        assertThatThrownBy(() -> new TrustedKeys(VerifyMode.OPENPGP, Optional.of(secret), Optional.empty()))
                .hasMessageContaining("holds a private key").message().doesNotContain("secretstuff");

        String keyBase64 = trustedSsh.publicKey().split(" ")[1];
        Path badLine = Files.writeString(dir.resolve("bad_signers"), trustedSsh.allowedSignersLine("alice@ops")
                + "bob@ops ssh-ed25519 " + keyBase64.substring(0, 20) + "\n");
        assertThatThrownBy(() -> new TrustedKeys(VerifyMode.SSH, Optional.empty(), Optional.of(badLine)))
                .hasMessage("celadon.git.allowed-signers-file=" + badLine + ": line 2: the ssh-ed25519 public key cannot be read");
        Path noPrincipal = Files.writeString(dir.resolve("no_principal"), trustedSsh.publicKey() + "\n");
        assertThatThrownBy(() -> new TrustedKeys(VerifyMode.SSH, Optional.empty(), Optional.of(noPrincipal)))
                .hasMessageEndingWith("line 1: expected principals, options, then the key type and key")
                .message().doesNotContain(keyBase64);
        assertThatThrownBy(() -> new TrustedKeys(VerifyMode.NONE, Optional.of(trustedKeysFile), Optional.empty()))
                .hasMessageContaining("not used by celadon.git.verify");
    }

    @Test
    void anUnsignedCheckoutLeftOnDiskIsNotFollowedOnceSignaturesAreRequired() throws Exception {
        String unsigned = repo.write("partitions.d/web.yaml", WEB).commitAndPush("unsigned");
        GitSource before = new GitSource(GitSettings.of(repo.fileUrl()), dir.resolve("clone"));
        assertThat(before.sync().revision()).isEqualTo(unsigned);
        assertThat(before.lastCheckout()).isPresent();

        assertThat(source(VerifyMode.OPENPGP).lastCheckout()).isEmpty();
    }

    @Test
    void aKeyFileLargerThanAnyKeyListIsRefused() throws IOException {
        Path huge = Files.write(dir.resolve("huge.asc"), new byte[(int) TrustedKeys.MAX_BYTES + 1]);

        assertThatThrownBy(() -> new TrustedKeys(VerifyMode.OPENPGP, Optional.of(huge), Optional.empty()))
                .hasMessage("celadon.git.trusted-keys-file=" + huge + ": larger than 1024 KiB: not a key list");
    }

    @Test
    void aKeyFileThatTurnsBadRefusesEverySignatureUntilMended() throws Exception {
        repo.write("partitions.d/web.yaml", WEB).commitSigned("web", trustedPgp);
        repo.push();
        GitSource source = source(VerifyMode.OPENPGP);
        source.sync();
        Files.writeString(trustedKeysFile, "garbage");
        repo.commitSigned("db", trustedPgp);
        repo.push();

        assertThatThrownBy(source::sync).isInstanceOfSatisfying(RevisionRefusedException.class, e ->
                assertThat(e.verification().reason()).contains("celadon.git.trusted-keys-file=")
                        .contains("holds no ASCII-armored"));

        Files.writeString(trustedKeysFile, trustedPgp.armoredPublicKey());
        assertThat(source.sync().verification().verified()).isTrue();
    }
}
