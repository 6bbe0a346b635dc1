package dev.celadon.reconciler.status;

import java.util.regex.Pattern;

/**
 * Removes credentials embedded in URLs ({@code https://user:token@host/...}) from text shown in status.
 * The source layer already redacts; this is the status side's own guarantee, because Git's error messages
 * quote the remote URL and a token is often given as the user name.
 */
final class Redaction {

    /**
     * A scheme's {@code ://}, then userinfo up to the last {@code @} of the authority: greedy, so a
     * password with an unencoded {@code @} goes as a whole.
     */
    private static final Pattern USER_INFO = Pattern.compile("([A-Za-z][A-Za-z0-9+.-]*://)[^/?#\\s]*@");

    private Redaction() {
    }

    /** The text with every URL's userinfo removed; null stays null. */
    static String stripUserInfo(String text) {
        return text == null ? null : USER_INFO.matcher(text).replaceAll("$1");
    }
}
