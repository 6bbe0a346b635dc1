package dev.celadon.reconciler.source;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A Git URL split at its userinfo, by the one rule for where credentials end (also applied to URLs quoted
 * in text, see {@link Redaction}):
 *
 * <p><b>The userinfo is everything before the URL's last {@code @}</b>: after {@code scheme://} in a URL
 * with a scheme, from the start in scp-like {@code [user@]host:path} (no scheme, a {@code :} before any
 * {@code /}). A local path has none.
 *
 * <p>Not RFC 3986's authority, which ends at the first {@code /}, {@code ?} or {@code #}: passwords are
 * pasted unencoded, and a URI parser then takes part of the password for a host, a path or a fragment, and
 * shows and stores it ({@code java.net.URI} refuses such URLs, JGit's {@code URIish} misreads
 * {@code pa/ss}). Whatever precedes the last {@code @} is hidden, so no password can be shown whatever it
 * holds. The price: a raw {@code @} in a path ends the userinfo there, so a path writes it {@code %40}.
 *
 * @param beforeUserinfo {@code scheme://}, or empty for scp-like and local paths
 * @param userinfo       as written, still percent-encoded; empty when absent or blank
 * @param afterUserinfo  host onwards
 */
record GitUrl(String beforeUserinfo, Optional<String> userinfo, String afterUserinfo) {

    private static final Pattern SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*://");

    static GitUrl parse(String url) {
        Matcher scheme = SCHEME.matcher(url);
        String prefix = scheme.find() ? scheme.group() : "";
        String afterScheme = url.substring(prefix.length());
        int at = afterScheme.lastIndexOf('@');
        if (at < 0 || (prefix.isEmpty() && !isScpLike(url))) {
            return new GitUrl(prefix, Optional.empty(), afterScheme);
        }
        String userinfo = afterScheme.substring(0, at);
        return new GitUrl(prefix, Optional.of(userinfo).filter(u -> !u.isEmpty()), afterScheme.substring(at + 1));
    }

    /** The URL to connect to, show and store: the credentials taken out. */
    String withoutUserinfo() {
        return beforeUserinfo + afterUserinfo;
    }

    /** Up to the userinfo's first {@code :}, decoded; the whole userinfo when it has no {@code :} (a token). */
    Optional<String> user() {
        return userinfo.map(u -> decode(u.indexOf(':') < 0 ? u : u.substring(0, u.indexOf(':'))));
    }

    /** After the userinfo's first {@code :}, decoded, so it may hold {@code :} itself; empty without one. */
    Optional<String> password() {
        return userinfo.filter(u -> u.indexOf(':') >= 0).map(u -> decode(u.substring(u.indexOf(':') + 1)));
    }

    /**
     * The secret as written and as meant, to scrub from text we did not write: the userinfo, and the
     * password, or the whole userinfo where it is a bare token.
     */
    List<String> secretForms() {
        if (userinfo.isEmpty()) {
            return List.of();
        }
        String written = userinfo.get();
        int colon = written.indexOf(':');
        Stream<String> forms = colon < 0 ? Stream.of(written, decode(written))
                : Stream.of(written, written.substring(colon + 1), password().orElseThrow());
        return forms.filter(form -> !form.isEmpty()).distinct().toList();
    }

    /** As git decides: no scheme, and a {@code :} before any {@code /}; anything else is a local path. */
    private static boolean isScpLike(String url) {
        int colon = url.indexOf(':');
        int slash = url.indexOf('/');
        return colon >= 0 && (slash < 0 || colon < slash);
    }

    /**
     * Percent-decoding into UTF-8, as git decodes userinfo; a {@code %} without two hex digits after it
     * stands for itself, so a password pasted with a raw {@code %} still works.
     */
    private static String decode(String escaped) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int i = 0;
        while (i < escaped.length()) {
            if (escaped.charAt(i) == '%' && i + 2 < escaped.length()
                    && HexFormat.isHexDigit(escaped.charAt(i + 1)) && HexFormat.isHexDigit(escaped.charAt(i + 2))) {
                bytes.write(HexFormat.fromHexDigits(escaped, i + 1, i + 3));
                i += 3;
            } else {
                int codePoint = escaped.codePointAt(i);
                bytes.writeBytes(Character.toString(codePoint).getBytes(StandardCharsets.UTF_8));
                i += Character.charCount(codePoint);
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
