package dev.celadon.reconciler.upgrade;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** systemd's own vectors for strverscmp_improved (src/test/test-string-util.c, v252.31), in its order. */
class BootVersionsTest {

    /** test_strverscmp_improved's list: each version is newer than every one before it. */
    private static final List<String> ASCENDING = List.of("~1", "", "ab", "abb", "abc", "0001", "002", "12", "122",
            "122.9", "123~rc1", "123", "123-a", "123-a.1", "123-a1", "123-a1.1", "123-3", "123-3.1", "123^patch1",
            "123^1", "123.a-1", "123.1-1", "123a-1", "124");

    static Stream<Arguments> olderThanNewer() {
        List<Arguments> pairs = new ArrayList<>();
        for (int i = 0; i < ASCENDING.size(); i++) {
            for (int j = i + 1; j < ASCENDING.size(); j++) {
                pairs.add(arguments(ASCENDING.get(i), ASCENDING.get(j)));
            }
        }
        Stream<Arguments> more = Stream.of(
                arguments("123.45-67.88", "123.45-67.89"),
                arguments("123.45-67.89", "123.45-67.89a"),
                arguments("123.45-67.ab", "123.45-67.89"),
                arguments("123.45-67.9", "123.45-67.89"),
                arguments("123.45-67", "123.45-67.89"),
                arguments("123.45-66.89", "123.45-67.89"),
                arguments("123.45-9.99", "123.45-67.89"),
                arguments("123.42-99.99", "123.45-67.89"),
                arguments("123-99.99", "123.45-67.89"),
                // '~': pre-releases
                arguments("123~rc1-99.99", "123.45-67.89"),
                arguments("123~rc1-99.99", "123-45.67.89"),
                arguments("123~rc1-99.99", "123~rc2-67.89"),
                arguments("123~rc1-99.99", "123^aa2-67.89"),
                arguments("123~rc1-99.99", "123aa2-67.89"),
                // '-': between version and release
                arguments("123-99.99", "123.45-67.89"),
                arguments("123-99.99", "123^aa2-67.89"),
                arguments("123-99.99", "123aa2-67.89"),
                // '^': patch releases
                arguments("123^45-67.89", "123.45-67.89"),
                arguments("123^aa1-99.99", "123^aa2-67.89"),
                arguments("123^aa2-67.89", "123aa2-67.89"),
                // '.': point releases
                arguments("123.aa2-67.89", "123aa2-67.89"),
                arguments("123.aa2-67.89", "123.ab2-67.89"));
        return Stream.concat(pairs.stream(), more);
    }

    @ParameterizedTest(name = "{0} < {1}")
    @MethodSource("olderThanNewer")
    void olderIsOlder(String older, String newer) {
        assertThat(BootVersions.compare(older, newer)).isEqualTo(-1);
        assertThat(BootVersions.compare(newer, older)).isEqualTo(1);
        assertThat(BootVersions.compare(older, older)).isZero();
        assertThat(BootVersions.compare(newer, newer)).isZero();
    }

    /** The single comparisons: corner cases, then test_strverscmp_improved_rpm (rpm's vectors as systemd has them). */
    static Stream<Arguments> comparisons() {
        return Stream.of(
                // invalid characters
                arguments("123_aa2-67.89", "123aa+2-67.89", 0),
                // corner cases
                arguments("123.", "123", 1), // one more segment
                arguments("12_3", "123", -1), // 12 < 123
                arguments("12_3", "12", 1), // 3 > ''
                arguments("12_3", "12.3", 1),
                arguments("123.0", "123", 1), // 0 > ''
                arguments("123_0", "123", 1),
                arguments("123..0", "123.0", -1), // '' < 0
                // empty strings or only ignored characters (null: systemd's strempty)
                arguments("", null, 0),
                arguments(null, "", 0),
                arguments("0_", "0", 0),
                arguments("_0_", "0", 0),
                arguments("_0", "0", 0),
                arguments("0", "0___", 0),
                arguments("", "_", 0),
                arguments("_", "", 0),
                arguments("_", "_", 0),
                arguments("", "~", 1),
                arguments("~", "", -1),
                arguments("~", "~", 0),
                // non-ASCII digits are no digits
                arguments("1٠١٢٣٤٥٦٧٨٩", "1", 0),
                arguments("1๐๑๒๓๔๕๖๗๘๙", "1", 0),
                // rpm's
                arguments("1.0", "1.0", 0),
                arguments("1.0", "2.0", -1),
                arguments("2.0", "1.0", 1),
                arguments("2.0.1", "2.0.1", 0),
                arguments("2.0", "2.0.1", -1),
                arguments("2.0.1", "2.0", 1),
                arguments("2.0.1a", "2.0.1a", 0),
                arguments("2.0.1a", "2.0.1", 1),
                arguments("2.0.1", "2.0.1a", -1),
                arguments("5.5p1", "5.5p1", 0),
                arguments("5.5p1", "5.5p2", -1),
                arguments("5.5p2", "5.5p1", 1),
                arguments("5.5p10", "5.5p10", 0),
                arguments("5.5p1", "5.5p10", -1),
                arguments("5.5p10", "5.5p1", 1),
                arguments("10xyz", "10.1xyz", 1), // reversed from rpm's
                arguments("10.1xyz", "10xyz", -1), // reversed from rpm's
                arguments("xyz10", "xyz10", 0),
                arguments("xyz10", "xyz10.1", -1),
                arguments("xyz10.1", "xyz10", 1),
                arguments("xyz.4", "xyz.4", 0),
                arguments("xyz.4", "8", -1),
                arguments("8", "xyz.4", 1),
                arguments("xyz.4", "2", -1),
                arguments("2", "xyz.4", 1),
                arguments("5.5p2", "5.6p1", -1),
                arguments("5.6p1", "5.5p2", 1),
                arguments("5.6p1", "6.5p1", -1),
                arguments("6.5p1", "5.6p1", 1),
                arguments("6.0.rc1", "6.0", 1),
                arguments("6.0", "6.0.rc1", -1),
                arguments("10b2", "10a1", 1),
                arguments("10a2", "10b2", -1),
                arguments("1.0aa", "1.0aa", 0),
                arguments("1.0a", "1.0aa", -1),
                arguments("1.0aa", "1.0a", 1),
                arguments("10.0001", "10.0001", 0),
                arguments("10.0001", "10.1", 0),
                arguments("10.1", "10.0001", 0),
                arguments("10.0001", "10.0039", -1),
                arguments("10.0039", "10.0001", 1),
                arguments("4.999.9", "5.0", -1),
                arguments("5.0", "4.999.9", 1),
                arguments("20101121", "20101121", 0),
                arguments("20101121", "20101122", -1),
                arguments("20101122", "20101121", 1),
                arguments("2_0", "2_0", 0),
                arguments("2.0", "2_0", -1), // equal in rpm
                arguments("2_0", "2.0", 1), // equal in rpm
                arguments("a", "a", 0),
                arguments("a+", "a+", 0),
                arguments("a+", "a_", 0),
                arguments("a_", "a+", 0),
                arguments("+a", "+a", 0),
                arguments("+a", "_a", 0),
                arguments("_a", "+a", 0),
                arguments("+_", "+_", 0),
                arguments("_+", "+_", 0),
                arguments("_+", "_+", 0),
                arguments("+", "_", 0),
                arguments("_", "+", 0),
                arguments("1.0~rc1", "1.0~rc1", 0),
                arguments("1.0~rc1", "1.0", -1),
                arguments("1.0", "1.0~rc1", 1),
                arguments("1.0~rc1", "1.0~rc2", -1),
                arguments("1.0~rc2", "1.0~rc1", 1),
                arguments("1.0~rc1~git123", "1.0~rc1~git123", 0),
                arguments("1.0~rc1~git123", "1.0~rc1", -1),
                arguments("1.0~rc1", "1.0~rc1~git123", 1),
                arguments("1.0^", "1.0^", 0),
                arguments("1.0^", "1.0", 1),
                arguments("1.0", "1.0^", -1),
                arguments("1.0^git1", "1.0^git1", 0),
                arguments("1.0^git1", "1.0", 1),
                arguments("1.0", "1.0^git1", -1),
                arguments("1.0^git1", "1.0^git2", -1),
                arguments("1.0^git2", "1.0^git1", 1),
                arguments("1.0^git1", "1.01", -1),
                arguments("1.01", "1.0^git1", 1),
                arguments("1.0^20160101", "1.0^20160101", 0),
                arguments("1.0^20160101", "1.0.1", -1),
                arguments("1.0.1", "1.0^20160101", 1),
                arguments("1.0^20160101^git1", "1.0^20160101^git1", 0),
                arguments("1.0^20160102", "1.0^20160101^git1", 1),
                arguments("1.0^20160101^git1", "1.0^20160102", -1),
                arguments("1.0~rc1^git1", "1.0~rc1^git1", 0),
                arguments("1.0~rc1^git1", "1.0~rc1", 1),
                arguments("1.0~rc1", "1.0~rc1^git1", -1),
                arguments("1.0^git1~pre", "1.0^git1~pre", 0),
                arguments("1.0^git1", "1.0^git1~pre", 1),
                arguments("1.0^git1~pre", "1.0^git1", -1),
                // rpm's oddities, as systemd keeps them
                arguments("1b.fc17", "1b.fc17", 0),
                arguments("1b.fc17", "1.fc17", 1), // reversed from rpm's
                arguments("1.fc17", "1b.fc17", -1),
                arguments("1g.fc17", "1g.fc17", 0),
                arguments("1g.fc17", "1.fc17", 1),
                arguments("1.fc17", "1g.fc17", -1),
                // non-ASCII characters are dropped, so all equal
                arguments("1.1.α", "1.1.α", 0),
                arguments("1.1.α", "1.1.β", 0),
                arguments("1.1.β", "1.1.α", 0),
                arguments("1.1.αα", "1.1.α", 0),
                arguments("1.1.α", "1.1.ββ", 0),
                arguments("1.1.ββ", "1.1.αα", 0));
    }

    @ParameterizedTest(name = "{0} vs {1}: {2}")
    @MethodSource("comparisons")
    void comparesAsSystemd(String a, String b, int expected) {
        assertThat(BootVersions.compare(a, b)).isEqualTo(expected);
    }

    @Test
    void celadonVersionsOrderAsReleased() {
        List<String> released = List.of("0.1~rc1", "0.1", "0.1.1", "0.2~beta1", "0.2", "0.9", "0.10", "1.0");
        for (int i = 0; i + 1 < released.size(); i++) {
            assertThat(BootVersions.compare(released.get(i), released.get(i + 1))).isEqualTo(-1);
        }
    }

    @Test
    void aNulEndsTheVersionAsInC() {
        assertThat(BootVersions.compare("1.2\0.3", "1.2")).isZero();
    }

    /** A total, antisymmetric order that ends on any input: the loop advances or returns on every turn. */
    @Test
    void anyStringsCompareAntisymmetrically() {
        Random random = new Random(252);
        String alphabet = "019az~-^._+Aα\0";
        for (int n = 0; n < 20_000; n++) {
            String a = randomString(random, alphabet);
            String b = randomString(random, alphabet);
            assertThat(BootVersions.compare(a, b)).as("%s vs %s", a, b).isEqualTo(-BootVersions.compare(b, a));
        }
    }

    private static String randomString(Random random, String alphabet) {
        StringBuilder text = new StringBuilder();
        for (int length = random.nextInt(8); length > 0; length--) {
            text.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return text.toString();
    }
}
