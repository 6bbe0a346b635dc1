package dev.celadon.reconciler.spec;

import dev.celadon.reconciler.spec.Value.Fields;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalTime;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the rest of a {@code kind: Appliance} document into an {@link ApplianceSpec}, as {@link PartitionReader}
 * does a partition: every field checked where it stands, each error reported and read on past, and the spec
 * built only when the document added no error.
 */
final class ApplianceReader {

    static final int DEFAULT_TRIES = 3;
    /** More boots of a version that fails to mark itself good only put off the fall back to one that works. */
    static final int MAX_TRIES = 10;
    static final Duration DEFAULT_READY_TIMEOUT = Duration.ofMinutes(15);
    /** Less than a minute is no time for a boot; more than a day is a forgotten change. */
    static final Duration MIN_READY_TIMEOUT = Duration.ofMinutes(1);
    static final Duration MAX_READY_TIMEOUT = Duration.ofHours(24);
    /** Time for at least a reboot into the new version; at most a day, so that the windows of successive days do not overlap. */
    static final Duration MIN_WINDOW = Duration.ofMinutes(10);
    static final Duration MAX_WINDOW = Duration.ofHours(24);

    /** Mon, Tue, ... Sun, in week order, matched exactly. */
    static final Map<String, DayOfWeek> DAYS = SharedFields.spellings(DayOfWeek.values(), ApplianceReader::spelling);
    private static final Pattern TIME = Pattern.compile("([01][0-9]|2[0-3]):([0-5][0-9])");

    /** What a document yields: the Appliance spec if sound, and its name for the revision's uniqueness check. */
    record Result(Optional<ApplianceSpec> appliance, Optional<Claim> name) {
    }

    private ApplianceReader() {
    }

    static Result read(DocumentHeader header, Problems problems) {
        Fields root = header.root();
        Optional<Fields> metadata = root.required("metadata").flatMap(v -> v.fields(Section.METADATA));
        Optional<Value> nameValue = metadata.flatMap(m -> m.required("name"));
        Optional<String> name = nameValue.flatMap(SharedFields::applianceName);
        Map<String, String> labels = metadata.flatMap(m -> m.optional("labels")).map(SharedFields::labels).orElse(Map.of());
        Optional<Claim> nameClaim = name.map(n -> new Claim(n, nameValue.orElseThrow().at(), nameValue.orElseThrow().path()));

        Optional<Fields> spec = root.required("spec").flatMap(v -> v.fields(Section.APPLIANCE_SPEC));
        Optional<Placement> placement = spec.flatMap(s -> s.optional("placement")).flatMap(SharedFields::placement);
        Optional<String> version = spec.flatMap(s -> s.required("version")).flatMap(ApplianceReader::version);
        Optional<SharedFields.ImageByUrl> image = spec.flatMap(s -> s.required("image"))
                .flatMap(v -> SharedFields.imageByUrl(v, Section.APPLIANCE_IMAGE));
        int tries = spec.flatMap(s -> s.optional("tries")).flatMap(v -> v.integer(1, MAX_TRIES)).orElse(DEFAULT_TRIES);
        Duration readyTimeout = spec.flatMap(s -> s.optional("readyTimeout"))
                .flatMap(v -> v.duration(MIN_READY_TIMEOUT, MAX_READY_TIMEOUT)).orElse(DEFAULT_READY_TIMEOUT);
        Optional<MaintenanceWindow> window = spec.flatMap(s -> s.optional("maintenanceWindow")).flatMap(ApplianceReader::window);

        // A field that failed was reported; one that is optional and failed has left its default behind.
        if (problems.count() > header.errorsBefore() || name.isEmpty() || version.isEmpty() || image.isEmpty()) {
            return new Result(Optional.empty(), nameClaim);
        }
        return new Result(Optional.of(new ApplianceSpec(name.get(), labels, placement, version.get(), image.get().url(),
                image.get().sha256(), tries, readyTimeout, window, header.document().at())), nameClaim);
    }

    private static Optional<String> version(Value value) {
        // A YAML number (version: 0.2) is refused by string(), which says to quote it.
        return value.string().filter(text -> {
            Optional<String> problem = ApplianceSpec.versionProblem(text);
            problem.ifPresent(value::error);
            return problem.isEmpty();
        });
    }

    /** {@code spec.maintenanceWindow}: days (default every day), a start and a duration. */
    private static Optional<MaintenanceWindow> window(Value value) {
        return value.fields(Section.MAINTENANCE_WINDOW).flatMap(window -> {
            Optional<Set<DayOfWeek>> days = window.optional("days").map(ApplianceReader::days).orElse(Optional.of(Set.of()));
            Optional<LocalTime> start = window.required("start").flatMap(ApplianceReader::time);
            Optional<Duration> duration = window.required("duration").flatMap(v -> v.duration(MIN_WINDOW, MAX_WINDOW));
            return days.isPresent() && start.isPresent() && duration.isPresent()
                    ? Optional.of(new MaintenanceWindow(days.get(), start.get(), duration.get()))
                    : Optional.empty();
        });
    }

    /** At least one day, each once: an empty list reads as "never", which is no window. */
    private static Optional<Set<DayOfWeek>> days(Value value) {
        Optional<List<Value>> items = value.list();
        if (items.isEmpty()) {
            return Optional.empty();
        }
        if (items.get().isEmpty()) {
            value.error("list at least one day, or leave days out for every day");
            return Optional.empty();
        }
        Map<DayOfWeek, SourceLocation> seen = new EnumMap<>(DayOfWeek.class);
        boolean sound = true;
        for (Value item : items.get()) {
            Optional<DayOfWeek> day = item.oneOf(DAYS);
            SourceLocation first = day.map(d -> seen.putIfAbsent(d, item.at())).orElse(null);
            if (first != null) {
                item.error("\"" + spelling(day.get()) + "\" is already listed at line " + first.line());
            }
            sound &= day.isPresent() && first == null;
        }
        return sound ? Optional.of(seen.keySet()) : Optional.empty();
    }

    private static String spelling(DayOfWeek day) {
        return day.name().charAt(0) + day.name().substring(1, 3).toLowerCase(Locale.ROOT);
    }

    /** {@code HH:MM}, 24-hour, UTC. */
    private static Optional<LocalTime> time(Value value) {
        return value.string().flatMap(text -> {
            Matcher matcher = TIME.matcher(text);
            if (!matcher.matches()) {
                value.error("invalid time \"" + text + "\": use HH:MM, 24-hour, in UTC, e.g. 02:00");
                return Optional.empty();
            }
            return Optional.of(LocalTime.of(Integer.parseInt(matcher.group(1)), Integer.parseInt(matcher.group(2))));
        });
    }
}
