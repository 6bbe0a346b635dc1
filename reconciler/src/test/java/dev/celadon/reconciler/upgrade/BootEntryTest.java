package dev.celadon.reconciler.upgrade;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BootEntryTest {

    @ParameterizedTest
    @ValueSource(strings = {"celadon-0.2.efi", "celadon-0.2+3.efi", "celadon-0.2+2-1.efi", "celadon-0.2+0-3.efi",
            "celadon-0.2+0.efi", "celadon-1.0~rc1-2^git3+1-0.efi", "celadon-0.2+2147483647-2147483647.efi",
            "celadon-2024.05.efi"})
    void parsesAndFormatsBack(String fileName) {
        assertThat(BootEntry.parse(fileName))
                .hasValueSatisfying(entry -> assertThat(entry.fileName()).isEqualTo(fileName));
    }

    @Test
    void readsTheCounters() {
        assertThat(BootEntry.parse("celadon-0.2.efi")).contains(BootEntry.of("0.2"));
        assertThat(BootEntry.parse("celadon-0.2+3.efi"))
                .contains(new BootEntry("0.2", OptionalInt.of(3), OptionalInt.empty()));
        assertThat(BootEntry.parse("celadon-0.2+2-1.efi"))
                .contains(new BootEntry("0.2", OptionalInt.of(2), OptionalInt.of(1)));
        // A version may hold '-': only the last '+' starts the counter.
        assertThat(BootEntry.parse("celadon-0.2-1+0-3.efi"))
                .contains(new BootEntry("0.2-1", OptionalInt.of(0), OptionalInt.of(3)));
    }

    /** systemd-boot 252.29 and later (Debian 12 has 252.39) read the suffix in any case; it writes .efi back. */
    @Test
    void readsTheSuffixInAnyCaseAndWritesItLowerCase() {
        assertThat(BootEntry.parse("celadon-0.2+3.EFI")).hasValueSatisfying(entry -> {
            assertThat(entry.triesLeft()).hasValue(3);
            assertThat(entry.fileName()).isEqualTo("celadon-0.2+3.efi");
        });
        assertThat(BootEntry.parse("celadon-0.2.Efi")).contains(BootEntry.of("0.2"));
        // Only ASCII folds, as in systemd-boot: Java's equalsIgnoreCase would take the dotted capital I for i.
        assertThat(BootEntry.parse("celadon-0.2+3.efİ")).isEmpty();
    }

    @Test
    void leadingZerosAreReadAndNotWritten() {
        assertThat(BootEntry.parse("celadon-0.2+03-001.efi")).hasValueSatisfying(entry -> {
            assertThat(entry.triesLeft()).hasValue(3);
            assertThat(entry.triesDone()).hasValue(1);
            assertThat(entry.fileName()).isEqualTo("celadon-0.2+3-1.efi");
        });
    }

    /**
     * Names systemd-boot lists without a counter (it needs digits after the last '+', at most 2^31-1, and
     * then only .efi), or that are no Celadon entry: refused, so that none passes for a managed one.
     */
    @ParameterizedTest
    @ValueSource(strings = {"celadon-0.2+.efi", "celadon-0.2+x.efi", "celadon-0.2+3-.efi", "celadon-0.2+-1.efi",
            "celadon-0.2+3-1-2.efi", "celadon-0.2+3.1.efi", "celadon-0.2+3x.efi", "celadon-0.2+ 3.efi",
            "celadon-0.2+2147483648.efi", "celadon-0.2+3-2147483648.efi", "celadon-0.2+99999999999999999999.efi",
            "celadon-0.2+3+2.efi", "celadon-0.2+3.conf", "celadon-0.2.efi.bak", "celadon-0.2", "celadon-.efi",
            "celadon-+3.efi",
            "celadon.efi", "debian-12.efi", "Celadon-0.2.efi", "celadon-0.2_1.efi", "celadon-0 2.efi",
            "celadon-0/2.efi", "celadon-é.efi", "celadon-0.2+٣.efi", "", ".efi"})
    void refusesWhatIsNoCeladonEntry(String fileName) {
        assertThat(BootEntry.parse(fileName)).isEmpty();
    }

    @Test
    void stagesBlessesAndDemotes() {
        BootEntry staged = BootEntry.of("0.3").withTries(3);
        assertThat(staged.fileName()).isEqualTo("celadon-0.3+3.efi");
        assertThat(staged.isTrial()).isTrue();
        assertThat(staged.isExhausted()).isFalse();

        BootEntry tried = BootEntry.parse("celadon-0.3+1-2.efi").orElseThrow();
        assertThat(tried.blessed().fileName()).isEqualTo("celadon-0.3.efi");
        assertThat(tried.blessed().isTrial()).isFalse();
        assertThat(tried.demoted().fileName()).isEqualTo("celadon-0.3+0.efi");
        assertThat(tried.demoted().isExhausted()).isTrue();
        assertThat(tried.withTries(2).fileName()).isEqualTo("celadon-0.3+2.efi");

        BootEntry exhausted = BootEntry.parse("celadon-0.3+0-3.efi").orElseThrow();
        assertThat(exhausted.isTrial()).isTrue();
        assertThat(exhausted.isExhausted()).isTrue();
        assertThat(BootEntry.of("0.3").isExhausted()).isFalse();
    }

    @Test
    void refusesWhatNoFileNameCouldBe() {
        assertThatThrownBy(() -> BootEntry.of("0.2+1")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> BootEntry.of("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> BootEntry.of("../0.2")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> BootEntry.of("-0.2")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> BootEntry.of("0.2").withTries(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new BootEntry("0.2", OptionalInt.empty(), OptionalInt.of(1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest(name = "{0} before {1}")
    @CsvSource({
            // no tries left sorts last, whatever the version
            "celadon-0.2.efi,       celadon-0.3+0-3.efi",
            "celadon-0.1+3.efi,     celadon-0.2+0.efi",
            "celadon-0.1.efi,       celadon-0.2+0.efi",
            // then the newest version
            "celadon-0.3+2-1.efi,   celadon-0.2.efi",
            "celadon-0.3.efi,       celadon-0.2+3.efi",
            "celadon-0.10.efi,      celadon-0.9.efi",
            "celadon-1.0.efi,       celadon-1.0~rc1.efi",
            "celadon-0.3+0-3.efi,   celadon-0.2+0-1.efi",
            // then the file name, read as a version, highest first: on trial before good, more tries left
            // first, but also more tries done first (systemd-boot's fewer-done rule comes after the name)
            "celadon-0.2+3.efi,     celadon-0.2.efi",
            "celadon-0.2+3.efi,     celadon-0.2+2-1.efi",
            "celadon-0.2+1-3.efi,   celadon-0.2+1-2.efi",
            "celadon-0.2+0.efi,     celadon-0.2+0-1.efi",
            "celadon-0.2+2.efi,     celadon-0.2+2-0.efi"})
    void sortsAsSystemdBoot(String first, String second) {
        BootEntry a = BootEntry.parse(first).orElseThrow();
        BootEntry b = BootEntry.parse(second).orElseThrow();
        assertThat(BootEntry.sortsBefore(a, b)).isTrue();
        assertThat(BootEntry.sortsBefore(b, a)).isFalse();
    }

    @Test
    void theSameEntrySortsBeforeNeither() {
        BootEntry entry = BootEntry.parse("celadon-0.2+2-1.efi").orElseThrow();
        assertThat(BootEntry.sortsBefore(entry, entry)).isFalse();
        // Leading zeros aside, the same version and counters: systemd-boot's order leaves them as listed.
        BootEntry zeros = BootEntry.parse("celadon-0.02+2-1.efi").orElseThrow();
        assertThat(BootEntry.sortsBefore(entry, zeros)).isFalse();
        assertThat(BootEntry.sortsBefore(zeros, entry)).isFalse();
    }

    /** An upgrade's life as systemd-boot sees it: the new version boots until it is blessed or runs out. */
    @Test
    void aTrialBootsFirstUntilItsTriesRunOut() {
        BootEntry good = BootEntry.of("0.2");
        BootEntry trial = BootEntry.of("0.3").withTries(3);
        List<String> booted = new ArrayList<>();
        for (int boot = 0; boot < 5; boot++) {
            BootEntry first = List.of(good, trial).stream().sorted(order()).findFirst().orElseThrow();
            booted.add(first.fileName());
            if (first == trial) {
                trial = countedTry(trial);
            }
        }
        assertThat(booted).containsExactly("celadon-0.3+3.efi", "celadon-0.3+2-1.efi", "celadon-0.3+1-2.efi",
                "celadon-0.2.efi", "celadon-0.2.efi");
        assertThat(trial.fileName()).isEqualTo("celadon-0.3+0-3.efi");
    }

    /** What systemd-boot 252 renames a booted entry to: +L-D to +(L-1)-(D+1), L staying at 0. */
    private static BootEntry countedTry(BootEntry entry) {
        int left = entry.triesLeft().orElseThrow();
        return new BootEntry(entry.version(), OptionalInt.of(Math.max(left - 1, 0)),
                OptionalInt.of(entry.triesDone().orElse(0) + 1));
    }

    private static Comparator<BootEntry> order() {
        return (a, b) -> BootEntry.sortsBefore(a, b) ? -1 : BootEntry.sortsBefore(b, a) ? 1 : 0;
    }
}
