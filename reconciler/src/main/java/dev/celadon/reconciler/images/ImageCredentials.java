package dev.celadon.reconciler.images;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Credentials for image servers, each for the URLs under one prefix: a bearer token or {@code user:password}
 * (HTTP Basic), read from a file at each request so a rotated file takes effect without a restart. A
 * credential goes only to the scheme, host and port of its prefix, under its path; the longest prefix wins.
 * Neither the file's content nor the header is ever logged or shown: {@link #toString()} names the prefix only.
 */
public record ImageCredentials(String name, URI prefix, Kind kind, Path file) {

    public enum Kind { BEARER, BASIC }

    public ImageCredentials {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(file, "file");
    }

    /**
     * A credential from configuration; the message of the exception names the key and value at fault.
     *
     * @param keyPrefix {@code celadon.images.credentials.NAME}
     */
    public static ImageCredentials of(String keyPrefix, String name, String urlPrefix, Optional<Path> tokenFile,
                                      Optional<Path> passwordFile) {
        URI prefix;
        try {
            prefix = new URI(urlPrefix);
        } catch (java.net.URISyntaxException e) {
            throw new IllegalArgumentException(keyPrefix + ".url-prefix=" + urlPrefix + ": not a URL: " + e.getReason());
        }
        String scheme = prefix.getScheme() == null ? "" : prefix.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || prefix.getHost() == null || prefix.getRawUserInfo() != null
                || prefix.getRawQuery() != null || prefix.getRawFragment() != null) {
            throw new IllegalArgumentException(keyPrefix + ".url-prefix=" + urlPrefix
                    + ": an http:// or https:// URL with a host (and a path), no user, query or fragment");
        }
        if (tokenFile.isPresent() == passwordFile.isPresent()) {
            throw new IllegalArgumentException(keyPrefix + ": set either token-file (a bearer token) or password-file "
                    + "(user:password), not " + (tokenFile.isPresent() ? "both" : "neither"));
        }
        Path file = tokenFile.orElseGet(passwordFile::get);
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new IllegalArgumentException(keyPrefix + (tokenFile.isPresent() ? ".token-file=" : ".password-file=")
                    + file + ": not a readable file");
        }
        return new ImageCredentials(name, prefix, tokenFile.isPresent() ? Kind.BEARER : Kind.BASIC, file);
    }

    /** The credential for {@code url}: the one with the longest matching prefix. */
    static Optional<ImageCredentials> forUrl(List<ImageCredentials> all, URI url) {
        return all.stream().filter(c -> c.matches(url))
                .max(Comparator.comparingInt(c -> c.prefix.getRawPath() == null ? 0 : c.prefix.getRawPath().length()));
    }

    /** Same scheme, host and port; the path starts with the prefix's path. */
    boolean matches(URI url) {
        if (url.getScheme() == null || url.getHost() == null
                || !prefix.getScheme().equalsIgnoreCase(url.getScheme())
                || !prefix.getHost().equalsIgnoreCase(url.getHost())
                || port(prefix) != port(url)) {
            return false;
        }
        String path = prefix.getRawPath() == null ? "" : prefix.getRawPath();
        String urlPath = url.getRawPath() == null ? "" : url.getRawPath();
        return urlPath.startsWith(path);
    }

    private static int port(URI uri) {
        if (uri.getPort() != -1) {
            return uri.getPort();
        }
        return uri.getScheme().equalsIgnoreCase("https") ? 443 : 80;
    }

    /** The Authorization header's value, read now. */
    String authorization() throws ImageFailure {
        String content;
        try {
            content = Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new ImageFailure(ImageFailure.Reason.Unauthorized, "the credential file of celadon.images.credentials."
                    + name + " cannot be read: " + e.getClass().getSimpleName());
        }
        if (content.isEmpty() || content.chars().anyMatch(c -> c < 0x20 || c == 0x7f)
                || kind == Kind.BASIC && content.indexOf(':') < 1) {
            throw new ImageFailure(ImageFailure.Reason.Unauthorized, "the credential file of celadon.images.credentials."
                    + name + " holds no " + (kind == Kind.BASIC ? "user:password" : "token") + " on one line");
        }
        return kind == Kind.BEARER ? "Bearer " + content
                : "Basic " + Base64.getEncoder().encodeToString(content.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return "ImageCredentials[" + name + " for " + prefix + " from " + file + "]";
    }
}
