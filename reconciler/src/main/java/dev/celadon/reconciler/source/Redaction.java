package dev.celadon.reconciler.source;

import java.util.Collection;
import java.util.Comparator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Keeps credentials out of anything shown: status, the page, logs, exception messages. Where userinfo ends
 * is {@link GitUrl}'s rule; this applies it to a configured URL, to URLs quoted in text, and scrubs known
 * secrets from text we did not write.
 */
public final class Redaction {

    /**
     * A URL with a scheme, quoted in text. It runs to the next white space, which a URL has none of, and
     * then loses everything up to its last {@code @}: a password with {@code #}, {@code ?} or {@code /} goes
     * as a whole. (A password with a space is cut there: only {@link #scrub} finds its rest.)
     */
    private static final Pattern URL_IN_TEXT = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*://\\S*");

    private Redaction() {
    }

    /** {@code https://user:secret@host/r.git} → {@code https://host/r.git}; null stays null. */
    public static String redactUrl(String url) {
        return url == null ? null : GitUrl.parse(url).withoutUserinfo();
    }

    /** Free text with the userinfo of every {@code scheme://} URL in it removed; null stays null. */
    public static String redactText(String text) {
        return text == null ? null
                : URL_IN_TEXT.matcher(text).replaceAll(url -> Matcher.quoteReplacement(redactUrl(url.group())));
    }

    /**
     * {@link #redactText} and every given secret replaced, for text a library we do not control wrote (its
     * messages may quote a server or a file). Longest first, so a secret that holds another goes whole.
     */
    static String scrub(String text, Collection<String> secrets) {
        if (text == null) {
            return "";
        }
        String scrubbed = redactText(text);
        for (String secret : secrets.stream().filter(s -> !s.isEmpty())
                .sorted(Comparator.comparingInt(String::length).reversed()).toList()) {
            scrubbed = scrubbed.replace(secret, "***");
        }
        return scrubbed;
    }
}
