package dev.celadon.reconciler.spec;

import org.junit.jupiter.api.Test;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.util.Set;

import static java.time.DayOfWeek.MONDAY;
import static java.time.DayOfWeek.SATURDAY;
import static java.time.DayOfWeek.SUNDAY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** Windows in UTC, each belonging to the day it opens on. 2024-06-01 is a Saturday. */
class MaintenanceWindowTest {

    private static MaintenanceWindow window(Set<DayOfWeek> days, String start, Duration duration) {
        return new MaintenanceWindow(days, LocalTime.parse(start), duration);
    }

    private static Instant at(String utc) {
        return Instant.parse(utc);
    }

    @Test
    void holdsFromItsOpeningUpToButNotIncludingItsEnd() {
        MaintenanceWindow window = window(Set.of(SATURDAY), "02:00", Duration.ofHours(2));

        assertThat(window.contains(at("2024-06-01T01:59:59Z"))).isFalse();
        assertThat(window.contains(at("2024-06-01T02:00:00Z"))).isTrue();
        assertThat(window.contains(at("2024-06-01T03:59:59Z"))).isTrue();
        assertThat(window.contains(at("2024-06-01T04:00:00Z"))).isFalse();
        assertThat(window.contains(at("2024-06-02T02:30:00Z"))).as("Sunday is not listed").isFalse();
        assertThat(window.contains(at("2024-06-08T02:30:00Z"))).as("the next Saturday").isTrue();
    }

    @Test
    void aWindowCrossingMidnightBelongsToTheDayItOpens() {
        MaintenanceWindow window = window(Set.of(SATURDAY), "23:00", Duration.ofHours(2));

        assertThat(window.contains(at("2024-06-01T23:30:00Z"))).isTrue();
        assertThat(window.contains(at("2024-06-02T00:30:00Z"))).as("Sunday 00:30, Saturday's window").isTrue();
        assertThat(window.contains(at("2024-06-02T01:00:00Z"))).isFalse();
        assertThat(window.contains(at("2024-06-01T00:30:00Z"))).as("Saturday 00:30: Friday opens none").isFalse();
    }

    @Test
    void sundaysWindowRunsIntoMondayAcrossTheWeeksEnd() {
        MaintenanceWindow window = window(Set.of(SUNDAY), "22:00", Duration.ofHours(4));

        assertThat(window.contains(at("2024-06-03T01:59:00Z"))).as("Monday 01:59").isTrue();
        assertThat(window.contains(at("2024-06-03T02:00:00Z"))).isFalse();
        assertThat(window.nextStart(at("2024-06-03T01:00:00Z"))).as("from inside, the next opening")
                .isEqualTo(at("2024-06-09T22:00:00Z"));
    }

    @Test
    void noDaysIsEveryDay() {
        MaintenanceWindow window = window(Set.of(), "02:00", Duration.ofMinutes(30));

        for (int day = 1; day <= 7; day++) {
            assertThat(window.contains(at("2024-06-0%dT02:10:00Z".formatted(day)))).isTrue();
            assertThat(window.contains(at("2024-06-0%dT02:30:00Z".formatted(day)))).isFalse();
        }
        assertThat(window.nextStart(at("2024-06-01T02:10:00Z"))).isEqualTo(at("2024-06-02T02:00:00Z"));
        assertThat(window.nextStart(at("2024-06-01T01:00:00Z"))).isEqualTo(at("2024-06-01T02:00:00Z"));
    }

    @Test
    void aWholeDayWindowHoldsUntilTheNextDaysOpening() {
        MaintenanceWindow window = window(Set.of(MONDAY), "00:00", Duration.ofHours(24));

        assertThat(window.contains(at("2024-06-03T00:00:00Z"))).isTrue();
        assertThat(window.contains(at("2024-06-03T23:59:59Z"))).isTrue();
        assertThat(window.contains(at("2024-06-04T00:00:00Z"))).isFalse();
    }

    @Test
    void theNextStartIsNowWhenAWindowOpensNowElseTheFirstOpeningAfter() {
        MaintenanceWindow window = window(Set.of(SATURDAY, SUNDAY), "02:00", Duration.ofHours(2));

        assertThat(window.nextStart(at("2024-06-01T02:00:00Z"))).isEqualTo(at("2024-06-01T02:00:00Z"));
        assertThat(window.nextStart(at("2024-06-01T02:00:01Z"))).isEqualTo(at("2024-06-02T02:00:00Z"));
        assertThat(window.nextStart(at("2024-06-02T03:00:00Z"))).as("Sunday, past: next Saturday")
                .isEqualTo(at("2024-06-08T02:00:00Z"));
        assertThat(window.nextStart(at("2024-06-05T12:00:00Z"))).as("Wednesday").isEqualTo(at("2024-06-08T02:00:00Z"));
    }

    @Test
    void aWeekLaterWhenTheOnlyDaysOpeningHasJustPassed() {
        MaintenanceWindow window = window(Set.of(MONDAY), "02:00", Duration.ofHours(1));

        assertThat(window.nextStart(at("2024-06-03T02:00:00.001Z"))).isEqualTo(at("2024-06-10T02:00:00Z"));
        assertThat(window.nextStart(at("2024-06-02T23:00:00Z"))).as("Sunday to Monday").isEqualTo(at("2024-06-03T02:00:00Z"));
    }

    @Test
    void listsItsDaysInWeekOrderAndRefusesWindowsItCannotCheck() {
        assertThat(window(Set.of(SUNDAY, MONDAY, SATURDAY), "02:00", Duration.ofHours(1)).days())
                .containsExactly(MONDAY, SATURDAY, SUNDAY);
        assertThatIllegalArgumentException().isThrownBy(() -> window(Set.of(), "02:00", Duration.ofHours(25)));
        assertThatIllegalArgumentException().isThrownBy(() -> window(Set.of(), "02:00", Duration.ZERO));
    }
}
