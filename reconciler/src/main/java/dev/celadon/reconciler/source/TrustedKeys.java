package dev.celadon.reconciler.source;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;
import org.bouncycastle.bcpg.ArmoredInputStream;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPPublicKey;
import org.bouncycastle.openpgp.PGPPublicKeyRing;
import org.bouncycastle.openpgp.PGPPublicKeyRingCollection;
import org.bouncycastle.openpgp.operator.jcajce.JcaKeyFingerprintCalculator;

/**
 * The trusted keys of {@code celadon.git.verify}: {@code celadon.git.trusted-keys-file} (ASCII-armored
 * OpenPGP public keys, as {@code gpg --armor --export} writes them) and {@code celadon.git.allowed-signers-file}
 * (OpenSSH's {@code allowed_signers}). Both are checked when the settings are built, so a bad one stops the
 * start, and re-read when they change (size, modification time or inode, then their bytes' hash), so keys
 * can be rotated without a restart. A file that turns bad later refuses every signature of its kind until
 * it is mended: failing closed, never falling back to the keys it held before.
 *
 * <p>Messages name the key, the file and a line number, never what the file holds.
 */
public final class TrustedKeys {

    static final String OPENPGP_KEY = "celadon.git.trusted-keys-file";
    static final String SSH_KEY = "celadon.git.allowed-signers-file";
    /** Far more than any real key list; a larger file is a mistake (or an attack on the reader). */
    static final long MAX_BYTES = 1 << 20;
    private static final String ARMOR_BEGIN = "-----BEGIN PGP PUBLIC KEY BLOCK-----";

    /** The parsed OpenPGP keys: the rings, and the fingerprints of every key and subkey in them (lowercase hex). */
    record OpenPgpKeys(PGPPublicKeyRingCollection rings, Set<String> fingerprints, byte[] digest) {
    }

    private final VerifyMode mode;
    private final Optional<Path> openPgpFile;
    private final Optional<Path> allowedSignersFile;
    private final Watched openPgp;
    private final Watched allowedSigners;
    /** Set when the allowed signers file changed and JGit's cached copy of it is not yet dropped. */
    private boolean sshChanged = true;

    /** No verification: {@code celadon.git.verify=none}. */
    public static TrustedKeys none() {
        return new TrustedKeys(VerifyMode.NONE, Optional.empty(), Optional.empty());
    }

    /**
     * @throws IllegalArgumentException {@code key=value: problem}, when the mode needs a file that is not
     *                                  set, a file is set that the mode does not use, or a file cannot be used
     */
    public TrustedKeys(VerifyMode mode, Optional<Path> openPgpFile, Optional<Path> allowedSignersFile) {
        this.mode = mode;
        this.openPgpFile = openPgpFile;
        this.allowedSignersFile = allowedSignersFile;
        switch (mode) {
            case NONE -> {
                openPgpFile.ifPresent(f -> unused(OPENPGP_KEY, f));
                allowedSignersFile.ifPresent(f -> unused(SSH_KEY, f));
            }
            case OPENPGP -> {
                required(OPENPGP_KEY, openPgpFile);
                allowedSignersFile.ifPresent(f -> unused(SSH_KEY, f));
            }
            case SSH -> {
                required(SSH_KEY, allowedSignersFile);
                openPgpFile.ifPresent(f -> unused(OPENPGP_KEY, f));
            }
            case ANY -> {
                if (openPgpFile.isEmpty() && allowedSignersFile.isEmpty()) {
                    throw new IllegalArgumentException(VerifyMode.KEY + "=any: needs " + OPENPGP_KEY + " or "
                            + SSH_KEY + " (or both)");
                }
            }
        }
        this.openPgp = openPgpFile.map(f -> new Watched(OPENPGP_KEY, f, TrustedKeys::parseOpenPgp)).orElse(null);
        this.allowedSigners = allowedSignersFile.map(f -> new Watched(SSH_KEY, f, TrustedKeys::parseAllowedSigners))
                .orElse(null);
        // At start a bad file is a configuration error; later it only refuses signatures.
        for (Watched watched : new Watched[] {openPgp, allowedSigners}) {
            if (watched != null) {
                watched.refresh();
                if (watched.problem != null) {
                    throw new IllegalArgumentException(watched.problem);
                }
            }
        }
    }

    public VerifyMode mode() {
        return mode;
    }

    Optional<Path> openPgpFile() {
        return openPgpFile;
    }

    Optional<Path> allowedSignersFile() {
        return allowedSignersFile;
    }

    /** Re-reads whichever file changed; true when what either holds is not what it held. */
    synchronized boolean refresh() {
        boolean openPgpChanged = openPgp != null && openPgp.refresh();
        boolean sshChangedNow = allowedSigners != null && allowedSigners.refresh();
        sshChanged |= sshChangedNow;
        return openPgpChanged || sshChangedNow;
    }

    /** True once after each change of the allowed signers file (and at first). */
    synchronized boolean consumeSshChange() {
        boolean changed = sshChanged;
        sshChanged = false;
        return changed;
    }

    /** The OpenPGP keys as last read; empty with the reason when the file is not set or cannot be used now. */
    synchronized Result<OpenPgpKeys> openPgp() {
        if (openPgp == null) {
            return Result.failed("no " + OPENPGP_KEY + " is set");
        }
        return openPgp.problem != null ? Result.failed(openPgp.problem) : Result.of((OpenPgpKeys) openPgp.parsed);
    }

    /** The allowed signers file, once it was last seen readable and well-formed. */
    synchronized Result<Path> allowedSigners() {
        if (allowedSigners == null) {
            return Result.failed("no " + SSH_KEY + " is set");
        }
        return allowedSigners.problem != null ? Result.failed(allowedSigners.problem) : Result.of(allowedSigners.file);
    }

    /** A value, or why there is none. */
    record Result<T>(T value, String problem) {
        static <T> Result<T> of(T value) {
            return new Result<>(value, null);
        }

        static <T> Result<T> failed(String problem) {
            return new Result<>(null, problem);
        }
    }

    @FunctionalInterface
    private interface Parser {
        /** @return what the bytes hold; throws IllegalArgumentException with a problem that quotes nothing of them */
        Object parse(byte[] bytes, byte[] digest);
    }

    /** One key file: what it held when last read, and how to tell it changed since. */
    private static final class Watched {
        private final String key;
        private final Path file;
        private final Parser parser;
        private Object stamp;
        private byte[] digest;
        private Object parsed;
        private String problem;

        Watched(String key, Path file, Parser parser) {
            this.key = key;
            this.file = file;
            this.parser = parser;
        }

        /** True when the file's content (or its readability) changed since the last call. */
        boolean refresh() {
            Object now;
            try {
                BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
                now = List.of(attributes.size(), attributes.lastModifiedTime(), String.valueOf(attributes.fileKey()));
            } catch (IOException e) {
                now = "unreadable";
            }
            // A file that could not be used is read again every time: a chmod that mends it changes no stamp.
            if (problem == null && now.equals(stamp)) {
                return false;
            }
            stamp = now;
            String before = problem;
            byte[] previous = digest;
            try {
                byte[] bytes = read();
                byte[] hash = sha256(bytes);
                if (previous != null && MessageDigest.isEqual(previous, hash) && problem == null) {
                    return false;
                }
                parsed = parser.parse(bytes, hash);
                digest = hash;
                problem = null;
                return true;
            } catch (IllegalArgumentException e) {
                problem = key + "=" + file + ": " + e.getMessage();
                parsed = null;
                digest = null;
                return !problem.equals(before);
            }
        }

        private byte[] read() {
            try {
                if (Files.size(file) > MAX_BYTES) {
                    throw new IllegalArgumentException("larger than " + (MAX_BYTES >> 10) + " KiB: not a key list");
                }
                return Files.readAllBytes(file);
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot be read: " + (e instanceof java.nio.file.NoSuchFileException
                        ? "no such file" : e.getClass().getSimpleName()));
            }
        }
    }

    private static void required(String key, Optional<Path> file) {
        if (file.isEmpty()) {
            throw new IllegalArgumentException(VerifyMode.KEY + "=" + (key.equals(OPENPGP_KEY) ? "openpgp" : "ssh")
                    + ": needs " + key);
        }
    }

    private static void unused(String key, Path file) {
        throw new IllegalArgumentException(key + "=" + file + ": not used by " + VerifyMode.KEY + "; set "
                + VerifyMode.KEY + " to " + (key.equals(OPENPGP_KEY) ? "openpgp" : "ssh") + " or any");
    }

    /** Every armored public key block of the file; a secret key, or anything unreadable, is refused. */
    static OpenPgpKeys parseOpenPgp(byte[] bytes, byte[] digest) {
        String text = new String(bytes, StandardCharsets.US_ASCII);
        if (text.contains("PRIVATE KEY BLOCK")) {
            throw new IllegalArgumentException("holds a private key; give only public keys (gpg --armor --export)");
        }
        List<PGPPublicKeyRing> rings = new ArrayList<>();
        int block = 0;
        for (int at = text.indexOf(ARMOR_BEGIN); at >= 0; at = text.indexOf(ARMOR_BEGIN, at + 1)) {
            block++;
            int line = 1 + (int) text.substring(0, at).chars().filter(c -> c == '\n').count();
            try (ArmoredInputStream in = new ArmoredInputStream(new ByteArrayInputStream(bytes, at, bytes.length - at))) {
                Iterator<PGPPublicKeyRing> read = new PGPPublicKeyRingCollection(in, new JcaKeyFingerprintCalculator())
                        .getKeyRings();
                read.forEachRemaining(rings::add);
            } catch (IOException | PGPException | RuntimeException e) {
                throw new IllegalArgumentException("the public key block at line " + line + " cannot be read");
            }
        }
        if (block == 0) {
            throw new IllegalArgumentException("holds no ASCII-armored OpenPGP public key (gpg --armor --export)");
        }
        if (rings.isEmpty()) {
            throw new IllegalArgumentException("holds no OpenPGP public key");
        }
        PGPPublicKeyRingCollection collection;
        try {
            collection = new PGPPublicKeyRingCollection(rings);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("holds the same key twice");
        }
        Set<String> fingerprints = new HashSet<>();
        for (PGPPublicKeyRing ring : rings) {
            for (PGPPublicKey key : ring) {
                fingerprints.add(HexFormat.of().formatHex(key.getFingerprint()).toLowerCase(Locale.ROOT));
            }
        }
        return new OpenPgpKeys(collection, Set.copyOf(fingerprints), digest);
    }

    /**
     * Checks every line as JGit's reader will read it ({@code principals [options] ssh-TYPE BASE64 [comment]}),
     * so that a mistake is one line here, naming its number, rather than every SSH signature refused later
     * with JGit's message, which quotes the line.
     */
    static Integer parseAllowedSigners(byte[] bytes, byte[] digest) {
        String[] lines = new String(bytes, StandardCharsets.UTF_8).split("\n", -1);
        int entries = 0;
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String problem = allowedSignerProblem(line);
            if (problem != null) {
                throw new IllegalArgumentException("line " + (i + 1) + ": " + problem);
            }
            entries++;
        }
        if (entries == 0) {
            throw new IllegalArgumentException("allows no signer: no line of the form 'principals ssh-TYPE KEY'");
        }
        return entries;
    }

    private static String allowedSignerProblem(String line) {
        List<String> tokens = tokens(line);
        if (tokens == null) {
            return "an unterminated quote";
        }
        if (tokens.size() < 3 || tokens.getFirst().startsWith("ssh-")) {
            return "expected principals, options, then the key type and key";
        }
        int at = 1;
        while (at < tokens.size() && isOption(tokens.get(at))) {
            at++;
        }
        if (at + 1 >= tokens.size()) {
            return "no public key after the principals and options";
        }
        String type = tokens.get(at);
        if (!type.startsWith("ssh-")) {
            return "the key type must be an ssh- one (ssh-ed25519, ssh-rsa); JGit reads no other";
        }
        try {
            PublicKeyEntry.parsePublicKeyEntry(type + " " + tokens.get(at + 1))
                    .resolvePublicKey(null, Map.of(), PublicKeyEntryResolver.FAILING);
        } catch (IOException | java.security.GeneralSecurityException | RuntimeException e) {
            return "the " + type + " public key cannot be read";
        }
        return null;
    }

    private static boolean isOption(String token) {
        String lower = token.toLowerCase(Locale.ROOT);
        return lower.equals("cert-authority") || lower.startsWith("namespaces=") || lower.startsWith("valid-after=")
                || lower.startsWith("valid-before=");
    }

    /** Whitespace-separated, with double quotes grouping (OpenSSH's {@code namespaces="a,b"}); null for an open quote. */
    private static List<String> tokens(String line) {
        List<String> tokens = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '"') {
                quoted = !quoted;
                current.append(c);
            } else if (Character.isWhitespace(c) && !quoted) {
                if (!current.isEmpty()) {
                    tokens.add(current.toString());
                    current.setLength(0);
                }
            } else {
                current.append(c);
            }
        }
        if (quoted) {
            return null;
        }
        if (!current.isEmpty()) {
            tokens.add(current.toString());
        }
        return tokens;
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
