package dev.celadon.reconciler.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Real signing identities for tests of {@code celadon.git.verify}: OpenPGP keys made by {@code gpg} in a
 * GnuPG home of their own, SSH keys made by {@code ssh-keygen}; git signs with them as a user would.
 */
public final class Signers {

    private Signers() {
    }

    /** What git needs to sign as this identity. */
    public sealed interface Signer permits OpenPgp, Ssh {
        /** {@code git -c … args}: the signing configuration, then the command. */
        List<String> git(String... args);

        Map<String, String> environment();
    }

    /** An OpenPGP key pair (ed25519, no passphrase) in its own GnuPG home. Close it to stop its gpg-agent. */
    public record OpenPgp(Path home, String fingerprint) implements Signer, AutoCloseable {

        /** Makes the key with {@code gpg --quick-gen-key}; {@code dir} becomes its GnuPG home (keep the path short). */
        public static OpenPgp generate(Path dir, String name) {
            try {
                Files.createDirectories(dir);
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Map<String, String> env = Map.of("GNUPGHOME", dir.toString());
            String uid = name + " <" + name + "@celadon.invalid>";
            Cli.run(dir, List.of("gpg", "--batch", "--quiet", "--passphrase", "", "--quick-gen-key", uid,
                    "ed25519", "sign", "never"), env);
            String colons = Cli.run(dir, List.of("gpg", "--batch", "--with-colons", "--list-keys", uid), env);
            String fingerprint = colons.lines().filter(l -> l.startsWith("fpr:")).findFirst()
                    .map(l -> l.split(":")[9]).orElseThrow();
            return new OpenPgp(dir, fingerprint);
        }

        /** {@code gpg --armor --export}: what goes into {@code celadon.git.trusted-keys-file}. */
        public String armoredPublicKey() {
            return Cli.run(home, List.of("gpg", "--batch", "--armor", "--export", fingerprint), environment()) + "\n";
        }

        @Override
        public List<String> git(String... args) {
            List<String> command = new ArrayList<>(List.of("git", "-c", "gpg.format=openpgp", "-c",
                    "user.signingkey=" + fingerprint));
            command.addAll(List.of(args));
            return command;
        }

        @Override
        public Map<String, String> environment() {
            return Map.of("GNUPGHOME", home.toString());
        }

        /** Stops the gpg-agent that signing started. */
        @Override
        public void close() {
            Cli.run(home, List.of("gpgconf", "--kill", "gpg-agent"), environment());
        }
    }

    /** An SSH key pair (ed25519, no passphrase) made by {@code ssh-keygen}. */
    public record Ssh(Path privateKey, String publicKey) implements Signer {

        public static Ssh generate(Path dir, String name) {
            Path key = dir.resolve(name);
            try {
                Files.createDirectories(dir);
                Cli.run(dir, List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", key.toString()));
                return new Ssh(key, Files.readString(dir.resolve(name + ".pub")).strip());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** A line of {@code celadon.git.allowed-signers-file} allowing this key as {@code principal}. */
        public String allowedSignersLine(String principal) {
            return principal + " namespaces=\"git\" " + publicKey + "\n";
        }

        @Override
        public List<String> git(String... args) {
            List<String> command = new ArrayList<>(List.of("git", "-c", "gpg.format=ssh", "-c",
                    "user.signingkey=" + privateKey));
            command.addAll(List.of(args));
            return command;
        }

        @Override
        public Map<String, String> environment() {
            return Map.of();
        }
    }
}
