package dev.celadon.reconciler.images;

import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class ResumeTest {

    private static final String URL = "http://h/a.qcow2";
    private static final Resume.Meta TAGGED = new Resume.Meta(URL, Optional.of("\"v1\""), Optional.of("Mon, 30 Nov 2026 10:00:00 GMT"));

    @Test
    void resumesOnlyWhatItCanValidate() {
        assertThat(Resume.plan(URL, 100, Optional.of(TAGGED))).isEqualTo(new Resume(100, Optional.of("\"v1\"")));
        assertThat(Resume.plan(URL, 0, Optional.of(TAGGED))).isEqualTo(Resume.FROM_START);
        assertThat(Resume.plan(URL, 100, Optional.empty())).as("no metadata: unknown version").isEqualTo(Resume.FROM_START);
        assertThat(Resume.plan("http://h/b.qcow2", 100, Optional.of(TAGGED))).as("another URL").isEqualTo(Resume.FROM_START);
        Resume.Meta weak = new Resume.Meta(URL, Optional.of("W/\"v1\""), Optional.of("date"));
        assertThat(Resume.plan(URL, 100, Optional.of(weak))).as("a weak ETag is no If-Range; the date is")
                .isEqualTo(new Resume(100, Optional.of("date")));
        Resume.Meta none = new Resume.Meta(URL, Optional.empty(), Optional.empty());
        assertThat(Resume.plan(URL, 100, Optional.of(none))).isEqualTo(Resume.FROM_START);
    }

    @Test
    void anAnswerIsSplicedOnlyWhenItContinuesTheSameVersion() {
        Resume resume = Resume.plan(URL, 100, Optional.of(TAGGED));
        assertThat(resume.bodyStartsAt(206, Optional.of("bytes 100-999/1000"), TAGGED)).hasValue(100L);
        assertThat(resume.bodyStartsAt(200, Optional.empty(), TAGGED)).as("range ignored: start over").hasValue(0L);
        Resume.Meta changed = new Resume.Meta(URL, Optional.of("\"v2\""), TAGGED.lastModified());
        assertThat(resume.bodyStartsAt(206, Optional.of("bytes 100-999/1000"), changed))
                .as("a server that ignores If-Range answers 206 for a changed file").isEmpty();
        assertThat(resume.bodyStartsAt(206, Optional.of("bytes 0-999/1000"), TAGGED)).as("another range").isEmpty();
        assertThat(resume.bodyStartsAt(206, Optional.of("bytes 99999999999999999999-1/2"), TAGGED)).isEmpty();
        assertThat(Resume.FROM_START.bodyStartsAt(206, Optional.of("bytes 0-9/10"), TAGGED)).as("not asked for").isEmpty();
    }

    @Test
    void theTotalComesFromContentRange() {
        assertThat(Resume.totalOf(Optional.of("bytes 100-999/1000"))).isEqualTo(1000);
        assertThat(Resume.totalOf(Optional.of("bytes 100-999/*"))).isEqualTo(-1);
        assertThat(Resume.totalOf(Optional.empty())).isEqualTo(-1);
    }
}
