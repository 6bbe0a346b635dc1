package dev.celadon.reconciler.source;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;

import org.eclipse.jgit.lib.GpgConfig.GpgFormat;
import org.eclipse.jgit.lib.SignatureVerifier;
import org.eclipse.jgit.lib.SignatureVerifiers;

/**
 * The GnuPG home JGit's OpenPGP verifier ({@code org.eclipse.jgit.gpg.bc}) looks public keys up in. That
 * verifier reads keys from no file it is given: only from {@code pubring.gpg} (or {@code pubring.kbx}) in the
 * folder named by the system property {@code jgit.gpg.home}, else {@code $GNUPGHOME}, else {@code ~/.gnupg},
 * decided once when its key locator class loads. So this class owns that folder for the whole process: a
 * private one made before any verification, so neither the operator's {@code ~/.gnupg} nor a
 * {@code $GNUPGHOME} is ever consulted, holding exactly the trusted keys of the check about to run.
 * Callers hold {@link #LOCK} from {@link #install} through the verification.
 */
final class OpenPgpHome {

    /** JGit's verifiers, their caches and this folder are the process's, not one source's. */
    static final Object LOCK = new Object();
    private static final Path HOME = create();
    private static final Path PUBRING = HOME.resolve("pubring.gpg");
    private static byte[] installed;

    private OpenPgpHome() {
    }

    private static Path create() {
        try {
            Path home = Files.createTempDirectory("celadon-openpgp-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            home.toFile().deleteOnExit();
            home.resolve("pubring.gpg").toFile().deleteOnExit();
            System.setProperty("jgit.gpg.home", home.toString());
            return home;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the OpenPGP key folder: " + e.getMessage(), e);
        }
    }

    /** Makes {@code keys} the only keys JGit's OpenPGP verifier finds. Caller holds {@link #LOCK}. */
    static void install(TrustedKeys.OpenPgpKeys keys) {
        if (installed != null && MessageDigest.isEqual(installed, keys.digest()) && Files.isRegularFile(PUBRING)) {
            return;
        }
        try {
            // A temp cleaner may have removed the folder of a long-running process; JGit keeps its path.
            if (!Files.isDirectory(HOME)) {
                Files.createDirectories(HOME, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            Path next = HOME.resolve("pubring.gpg.new");
            Files.write(next, keys.rings().getEncoded());
            Files.move(next, PUBRING, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the OpenPGP keys to " + HOME + ": " + e.getMessage(), e);
        }
        installed = keys.digest();
        // The verifier caches keys it found, and keys it did not: both may be wrong now.
        SignatureVerifier verifier = SignatureVerifiers.get(GpgFormat.OPENPGP);
        if (verifier != null) {
            verifier.clear();
        }
    }
}
