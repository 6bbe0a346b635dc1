package dev.celadon.reconciler.status;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * The signature check of the newest revision ({@code celadon.git.verify}), in {@code source.verification}.
 * Shows who signed, never key material.
 *
 * @param result   {@code Verified} or {@code Refused}
 * @param object   what was checked: the commit, or the tag object when {@code celadon.git.ref} names a tag
 * @param format   {@code openpgp} or {@code ssh}; null for an unsigned revision
 * @param key      the signing key's fingerprint; null when the signature named none
 * @param signer   the key's OpenPGP user ID, or the principals the allowed signers file gives the SSH key
 * @param reason   why it was refused; null when verified
 */
@RegisterForReflection
public record VerificationView(String result, String object, String format, String key, String signer, String reason) {

    public static final String VERIFIED = "Verified";
    public static final String REFUSED = "Refused";
}
