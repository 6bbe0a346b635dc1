package dev.celadon.reconciler.source;

/**
 * The outcome of checking a revision's signature ({@code celadon.git.verify}). Never holds key material:
 * only the key's fingerprint and who it belongs to.
 *
 * @param verified true when the signature is good and by a trusted key
 * @param object   the SHA of what was checked: the commit, or the tag object for {@code celadon.git.ref} naming a tag
 * @param format   {@code openpgp} or {@code ssh}; null when there is no signature
 * @param key      the signing key's fingerprint (OpenPGP: hex; SSH: {@code SHA256:…}); null when unknown
 * @param signer   the key's user ID (OpenPGP) or the principals it is allowed for (SSH); null when unknown
 * @param reason   why it was refused; null when verified
 */
public record Verification(boolean verified, String object, String format, String key, String signer, String reason) {

    static Verification good(String object, String format, String key, String signer) {
        return new Verification(true, object, format, key, signer, null);
    }

    static Verification refused(String object, String format, String key, String signer, String reason) {
        return new Verification(false, object, format, key, signer, reason);
    }
}
