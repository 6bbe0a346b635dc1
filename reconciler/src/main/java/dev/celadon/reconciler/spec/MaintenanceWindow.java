package dev.celadon.reconciler.spec;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * When an appliance may switch to a new OS version ({@code spec.maintenanceWindow} of an Appliance document):
 * windows that open at {@code start} (UTC) on each of {@code days} and stay open for {@code duration}. A
 * window belongs to the day it opens on, so Sat 23:00 for 2h holds Sun 00:30 whether or not Sunday is listed.
 *
 * @param days     the days (UTC) a window opens on; empty = every day
 * @param start    when a window opens, UTC
 * @param duration how long it stays open: more than nothing, at most a day
 */
public record MaintenanceWindow(Set<DayOfWeek> days, LocalTime start, Duration duration) {

    public MaintenanceWindow {
        Objects.requireNonNull(start, "start");
        if (duration.isNegative() || duration.isZero() || duration.compareTo(Duration.ofDays(1)) > 0) {
            // contains() looks back one day for a window still open: a longer one would be missed.
            throw new IllegalArgumentException("a maintenance window lasts more than nothing and at most a day: " + duration);
        }
        // In week order, for whoever shows them.
        days = days.isEmpty() ? Set.of() : Collections.unmodifiableSet(EnumSet.copyOf(days));
    }

    /** Whether {@code now} lies in a window: at or after one's opening, before its end. */
    public boolean contains(Instant now) {
        LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
        // A window lasts at most a day, so only one opened today or yesterday can still be open.
        return Stream.of(today.minusDays(1), today)
                .filter(this::opensOn)
                .map(this::opening)
                .anyMatch(opening -> !now.isBefore(opening) && now.isBefore(opening.plus(duration)));
    }

    /** The first opening of a window at or after {@code now}: {@code now} itself if a window opens then. */
    public Instant nextStart(Instant now) {
        LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
        // A listed day comes round within a week; a week and a day covers today's opening having passed.
        return IntStream.rangeClosed(0, 7)
                .mapToObj(today::plusDays)
                .filter(this::opensOn)
                .map(this::opening)
                .filter(opening -> !opening.isBefore(now))
                .findFirst()
                .orElseThrow();
    }

    private boolean opensOn(LocalDate day) {
        return days.isEmpty() || days.contains(day.getDayOfWeek());
    }

    private Instant opening(LocalDate day) {
        return day.atTime(start).toInstant(ZoneOffset.UTC);
    }
}
