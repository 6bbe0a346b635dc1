package dev.celadon.reconciler.source;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

import org.eclipse.jgit.api.errors.JGitInternalException;
import org.eclipse.jgit.lib.Config;
import org.eclipse.jgit.lib.GpgConfig;
import org.eclipse.jgit.lib.GpgConfig.GpgFormat;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.SignatureVerifier;
import org.eclipse.jgit.lib.SignatureVerifier.SignatureVerification;
import org.eclipse.jgit.lib.SignatureVerifiers;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevObject;
import org.eclipse.jgit.revwalk.RevTag;
import org.eclipse.jgit.revwalk.RevWalk;

/**
 * Checks the signature a revision comes with ({@code celadon.git.verify}) against the trusted keys, with
 * JGit's own verifiers: {@code org.eclipse.jgit.gpg.bc} for OpenPGP, {@code org.eclipse.jgit.ssh.apache} for
 * SSH. What is checked is the object the configured ref names: the branch's tip commit, the pinned commit,
 * or, for a tag, the tag object itself (its signature covers the commit it names, so a tag moved to another
 * commit, or a signature pasted onto another tag object, fails).
 */
public final class SignatureCheck {

    private final TrustedKeys keys;

    public SignatureCheck(TrustedKeys keys) {
        this.keys = keys;
    }

    boolean enabled() {
        return keys.mode() != VerifyMode.NONE;
    }

    /** Re-reads the key files if they changed; true when the trusted keys are not those of the last check. */
    boolean keysChanged() {
        return keys.refresh();
    }

    /**
     * @param object the object the ref points at (a commit, or a tag object)
     * @param tag    the tag {@code celadon.git.ref} names, if it names one: the object must be that tag
     */
    public Verification verify(Repository repository, ObjectId object, Optional<String> tag) throws IOException {
        keys.refresh();
        String id = object.name();
        try (RevWalk walk = new RevWalk(repository)) {
            RevObject parsed = walk.parseAny(object);
            byte[] signature;
            if (tag.isPresent()) {
                if (!(parsed instanceof RevTag revTag)) {
                    return Verification.refused(id, null, null, null, "tag " + tag.get()
                            + " is a lightweight tag: it has no signature of its own (sign it: git tag -s)");
                }
                // A signed tag of another name (an older release, say) must not stand in for this one.
                if (!revTag.getTagName().equals(tag.get())) {
                    return Verification.refused(id, null, null, null, "the tag object at refs/tags/" + tag.get()
                            + " is tag " + revTag.getTagName());
                }
                signature = revTag.getRawGpgSignature();
            } else if (parsed instanceof RevCommit commit) {
                signature = commit.getRawGpgSignature();
            } else {
                return Verification.refused(id, null, null, null, "not a commit");
            }
            if (signature == null) {
                return Verification.refused(id, null, null, null, "not signed");
            }
            GpgFormat format = SignatureVerifiers.getFormat(signature);
            String formatName = format.name().toLowerCase(Locale.ROOT);
            if (!keys.mode().accepts(format)) {
                return Verification.refused(id, formatName, null, null, "signed with " + formatName + ", but "
                        + VerifyMode.KEY + "=" + keys.mode().value());
            }
            return format == GpgFormat.OPENPGP ? openPgp(repository, parsed, signature, id) : ssh(repository, parsed, id);
        }
    }

    private Verification openPgp(Repository repository, RevObject object, byte[] signature, String id) throws IOException {
        TrustedKeys.Result<TrustedKeys.OpenPgpKeys> trusted = keys.openPgp();
        if (trusted.value() == null) {
            return Verification.refused(id, "openpgp", null, null, trusted.problem());
        }
        SignatureVerification result;
        synchronized (OpenPgpHome.LOCK) {
            OpenPgpHome.install(trusted.value());
            result = jgitVerify(repository, new GpgConfig(new Config()), object);
        }
        if (result == null) {
            return Verification.refused(id, "openpgp", null, null, "the signature cannot be read");
        }
        String key = result.keyFingerprint();
        // The verifier looks keys up only where OpenPgpHome put the trusted ones; this holds it to that.
        // A signature without an issuer fingerprint names its key by the 16-digit key ID: the fingerprint's tail.
        boolean trustedKey = key != null && key.length() >= 16
                && trusted.value().fingerprints().stream().anyMatch(f -> f.endsWith(key));
        if (!trustedKey) {
            return Verification.refused(id, "openpgp", key, result.signer(), "signed by key " + key + ", which is not in "
                    + TrustedKeys.OPENPGP_KEY);
        }
        if (!result.verified()) {
            return Verification.refused(id, "openpgp", key, result.keyUser(), "bad signature: it does not match the "
                    + "signed content" + (result.message() == null ? "" : " (" + result.message() + ")"));
        }
        if (result.expired()) {
            return Verification.refused(id, "openpgp", key, result.keyUser(), "key " + key
                    + " had expired when it signed");
        }
        return Verification.good(id, "openpgp", key, result.keyUser());
    }

    private Verification ssh(Repository repository, RevObject object, String id) throws IOException {
        TrustedKeys.Result<Path> allowed = keys.allowedSigners();
        if (allowed.value() == null) {
            return Verification.refused(id, "ssh", null, null, allowed.problem());
        }
        Config config = new Config();
        config.setString("gpg", "ssh", "allowedSignersFile", allowed.value().toAbsolutePath().toString());
        SignatureVerification result;
        synchronized (OpenPgpHome.LOCK) {
            if (keys.consumeSshChange()) {
                // JGit keeps allowed signers files by path, reloaded by modification time only.
                SignatureVerifier verifier = SignatureVerifiers.get(GpgFormat.SSH);
                if (verifier != null) {
                    verifier.clear();
                }
            }
            result = jgitVerify(repository, new GpgConfig(config), object);
        }
        if (result == null) {
            return Verification.refused(id, "ssh", null, null, "the signature cannot be read");
        }
        String key = result.keyFingerprint();
        if (!result.verified()) {
            String why = result.message() == null ? "bad signature" : result.message();
            return Verification.refused(id, "ssh", key, result.keyUser(),
                    key != null && result.keyUser() == null && why.toLowerCase(Locale.ROOT).contains("principal")
                            ? "signed by key " + key + ", which is not in " + TrustedKeys.SSH_KEY
                            : why);
        }
        return Verification.good(id, "ssh", key, result.keyUser());
    }

    /** JGit's verifier for the signature's format; a signature it cannot parse throws, which is a refusal here. */
    private static SignatureVerification jgitVerify(Repository repository, GpgConfig config, RevObject object)
            throws IOException {
        try {
            return SignatureVerifiers.verify(repository, config, object);
        } catch (JGitInternalException e) {
            return null;
        }
    }
}
