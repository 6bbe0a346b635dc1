package dev.celadon.reconciler.status;

/**
 * Writes HTML in which markup comes only from the renderer's own constants and every value is escaped:
 * partition names, messages and URLs are written by whoever commits to Git, so they are data, never markup.
 * Tag and attribute names passed here must be constants.
 */
final class HtmlWriter {

    private final StringBuilder out = new StringBuilder(16 * 1024);

    /** Markup the renderer itself wrote: never pass a value through here. */
    HtmlWriter markup(String constant) {
        out.append(constant);
        return this;
    }

    /** Opens {@code tag} with attributes given as name, value pairs; a null value omits the attribute. */
    HtmlWriter open(String tag, String... attributes) {
        out.append('<').append(tag);
        for (int i = 0; i < attributes.length; i += 2) {
            if (attributes[i + 1] != null) {
                out.append(' ').append(attributes[i]).append("=\"");
                escape(attributes[i + 1]);
                out.append('"');
            }
        }
        out.append('>');
        return this;
    }

    HtmlWriter close(String tag) {
        out.append("</").append(tag).append('>');
        return this;
    }

    HtmlWriter text(String value) {
        escape(value);
        return this;
    }

    /** {@code <tag attributes>value</tag>}. */
    HtmlWriter element(String tag, String value, String... attributes) {
        return open(tag, attributes).text(value).close(tag);
    }

    @Override
    public String toString() {
        return out.toString();
    }

    /** Escapes for text and double- or single-quoted attribute values alike; null writes nothing. */
    private void escape(String value) {
        if (value == null) {
            return;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
    }
}
