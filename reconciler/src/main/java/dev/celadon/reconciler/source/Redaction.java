package dev.celadon.reconciler.source;

import java.util.regex.Pattern;

/** Keeps credentials out of anything shown: status, logs, exception messages. */
public final class Redaction {

    /**
     * {@code scheme://userinfo@}: the userinfo may be a user, {@code user:password} or a bare token. Greedy up
     * to the last {@code @} of the authority, so a password with an unencoded {@code @} goes as a whole.
     */
    private static final Pattern USERINFO = Pattern.compile("(?i)\\b([a-z][a-z0-9+.-]*://)[^/?#\\s]*@");

    private Redaction() {
    }

    /** {@code https://user:secret@host/r.git} → {@code https://host/r.git}; other text unchanged; null stays null. */
    public static String redactUrl(String url) {
        return url == null ? null : USERINFO.matcher(url).replaceAll("$1");
    }

    /**
     * Removes URL userinfo and every given secret from free text (for example a message of a library we
     * do not control), so it can be logged or shown.
     */
    static String scrub(String text, Iterable<String> secrets) {
        if (text == null) {
            return "";
        }
        String scrubbed = redactUrl(text);
        for (String secret : secrets) {
            if (!secret.isEmpty()) {
                scrubbed = scrubbed.replace(secret, "***");
            }
        }
        return scrubbed;
    }
}
