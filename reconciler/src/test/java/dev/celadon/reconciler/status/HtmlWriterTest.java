package dev.celadon.reconciler.status;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class HtmlWriterTest {

    @Test
    void textAndAttributeValuesAreEscaped() {
        String html = new HtmlWriter()
                .element("td", "<img src=x onerror=alert(1)> & \"q\" 'a'", "title", "\"><script>", "class", null)
                .toString();

        assertThat(html).isEqualTo("<td title=\"&quot;&gt;&lt;script&gt;\">"
                + "&lt;img src=x onerror=alert(1)&gt; &amp; &quot;q&quot; &#39;a&#39;</td>");
    }

    @Test
    void nullTextWritesNothing() {
        assertThat(new HtmlWriter().element("b", null).toString()).isEqualTo("<b></b>");
    }
}
