package dev.celadon.reconciler.images;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whether an interrupted download goes on where it stopped. The partial file keeps the bytes as served and
 * a small metadata file the URL and the server's validator (ETag, else Last-Modified) of those bytes. The
 * request asks for the rest with {@code Range} and {@code If-Range}; and because not every server honours
 * If-Range (busybox httpd answers 206 whatever it says), the answer's own validator must match too, or the
 * bytes of a changed file would be spliced onto the old ones.
 */
record Resume(long from, Optional<String> validator) {

    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d{1,18})-(\\d{1,18})/(\\d{1,18}|\\*)");

    static final Resume FROM_START = new Resume(0, Optional.empty());

    /** The metadata kept beside a partial file. */
    record Meta(String url, Optional<String> etag, Optional<String> lastModified) {

        /** What If-Range may carry: a strong ETag (a weak one is not allowed there), else the date. */
        Optional<String> validator() {
            return etag.filter(tag -> tag.startsWith("\"")).or(() -> lastModified);
        }
    }

    /** How to ask for an image of which {@code partialBytes} are on disk, written under {@code meta}. */
    static Resume plan(String url, long partialBytes, Optional<Meta> meta) {
        if (partialBytes <= 0 || meta.isEmpty() || !meta.get().url().equals(url) || meta.get().validator().isEmpty()) {
            return FROM_START;
        }
        return new Resume(partialBytes, meta.get().validator());
    }

    /** Where the answer's body starts in the image, or empty when the partial bytes must be dropped. */
    Optional<Long> bodyStartsAt(int status, Optional<String> contentRange, Meta answer) {
        if (status == 200) {
            return Optional.of(0L);
        }
        if (status != 206 || from == 0 || contentRange.isEmpty() || !answer.validator().equals(validator)) {
            return Optional.empty();
        }
        Matcher m = CONTENT_RANGE.matcher(contentRange.get().strip());
        if (!m.matches() || Long.parseLong(m.group(1)) != from) {
            return Optional.empty();
        }
        return Optional.of(from);
    }

    /** The whole image's length from a 206's Content-Range, when the server says. */
    static long totalOf(Optional<String> contentRange) {
        return contentRange.map(value -> CONTENT_RANGE.matcher(value.strip()))
                .filter(Matcher::matches)
                .filter(m -> !m.group(3).equals("*"))
                .map(m -> Long.parseLong(m.group(3)))
                .orElse(-1L);
    }
}
