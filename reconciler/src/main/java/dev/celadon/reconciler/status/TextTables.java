package dev.celadon.reconciler.status;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * What the page shows, as text for a terminal ({@code celadon status}, {@code celadon events}): aligned columns
 * under upper-case headings, the way {@code virsh list} and {@code flux get} print, with the page's own rules
 * (which conditions need attention, "Running, guest not ready", short revisions). Every value comes from Git or
 * a guest, so control characters are replaced: nothing printed can move the cursor or recolour the terminal.
 */
public final class TextTables {

    private static final String NONE = "-";
    /** C0 and C1 controls (escape sequences start with them) and format characters (bidirectional overrides). */
    private static final Pattern UNPRINTABLE = Pattern.compile("[\\p{Cc}\\p{Cf}]");

    private TextTables() {
    }

    /**
     * Whether a script should stop here: a partition failed (its phase, or an apply being retried), or the newest
     * revision was not applied (refused, invalid) or could not be fetched.
     */
    public static boolean troubled(StatusDocument status) {
        return status.summary().failed() > 0 || !status.errors().isEmpty() || status.source().lastError() != null
                || status.partitions().stream().anyMatch(p -> p.phase() == Phase.Failed);
    }

    public static String status(StatusDocument status, Instant now) {
        StringBuilder out = new StringBuilder();
        ApplianceInfo appliance = status.appliance();
        SourceStatus source = status.source();
        Table facts = new Table();
        facts.row("APPLIANCE", orNone(appliance.name()) + " (accel " + orNone(appliance.accel()) + ", version "
                + orNone(appliance.version()) + (appliance.slot() == null ? "" : " from slot " + appliance.slot()) + ")");
        if (appliance.upgrade() != null) {
            facts.row("UPGRADE", orNone(appliance.upgrade().version()) + ": " + appliance.upgrade().state() + ", "
                    + appliance.upgrade().message());
        }
        facts.row("SOURCE", orNone(source.url()) + " (" + orNone(source.branch()) + ")");
        facts.row("REVISION", (source.revision() == null ? "none applied yet" : StatusPage.shortRevision(source.revision()))
                + ", synced " + StatusPage.when(source.lastSyncAt(), now));
        if (source.stale()) {
            facts.row("STALE", "the last fetch from Git failed; Git may hold newer. " + orNone(source.lastError()));
        } else if (source.lastError() != null) {
            facts.row("NOT APPLIED", source.lastError());
        }
        out.append(facts);
        out.append('\n');
        if (status.partitions().isEmpty()) {
            out.append("No partitions: Git declares none for this appliance.\n");
        } else {
            Table partitions = new Table("NAME", "PHASE", "DESIRED", "REVISION", "PID", "RESTARTS", "CONDITIONS", "PENDING");
            for (PartitionStatus partition : status.partitions()) {
                partitions.row(partition.name(), phase(partition), partition.runState(),
                        revision(partition.revision()),
                        partition.worker() == null ? NONE : Long.toString(partition.worker().pid()),
                        Integer.toString(partition.restarts()), conditions(partition), partition.pending());
            }
            out.append(partitions);
        }
        if (!status.errors().isEmpty()) {
            out.append("\nSPEC ERRORS: revision ").append(StatusPage.shortRevision(status.errors().getFirst().revision()))
                    .append(" was rejected as a whole; the last good revision stays in force\n");
            for (ErrorView error : status.errors()) {
                String field = error.field() == null || error.field().isEmpty() ? "" : error.field() + ": ";
                out.append(printable(error.file() + ":" + error.line() + ":" + error.column() + ": " + field
                        + orNone(error.message()))).append('\n');
            }
        }
        Summary summary = status.summary();
        out.append('\n').append(summary.desired()).append(" desired, ").append(summary.running()).append(" running, ")
                .append(summary.failed()).append(" failed\n");
        return out.toString();
    }

    public static String events(EventsDocument events) {
        if (events.events().isEmpty()) {
            return "No events yet.\n";
        }
        Table table = new Table("WHEN", "EVENT", "PARTITION", "ACTION", "REVISION", "TOOK", "REASON", "MESSAGE");
        for (Event event : events.events()) {
            table.row(StatusPage.time(event.at()), event.type().name(), event.partition(), event.action(),
                    revision(event.revision()), event.durationMillis() == null ? NONE : EventsSection.took(event.durationMillis()),
                    event.reason(), event.message());
        }
        return table.toString();
    }

    /** The page's phase, "Running, guest not ready" included. */
    private static String phase(PartitionStatus partition) {
        String phase = partition.phase() == null ? "Unknown" : partition.phase().name();
        return StatusPage.guestNotReady(partition) == null ? phase : phase + ", guest not ready";
    }

    /** The conditions the page shows as needing attention, by type and reason; {@code OK} when none does. */
    private static String conditions(PartitionStatus partition) {
        String shown = partition.conditions().stream()
                .filter(condition -> StatusPage.needsAttention(condition, partition))
                .map(condition -> condition.type() + (condition.reason() == null ? "" : " " + condition.reason()))
                .collect(Collectors.joining(", "));
        return shown.isEmpty() ? "OK" : shown;
    }

    private static String revision(String revision) {
        return revision == null ? NONE : StatusPage.shortRevision(revision);
    }

    private static String orNone(String value) {
        return value == null || value.isEmpty() ? NONE : value;
    }

    /** {@code value} with every control and format character replaced by {@code ?}. */
    public static String printable(String value) {
        return UNPRINTABLE.matcher(value).replaceAll("?");
    }

    /** Columns as wide as their widest cell, two spaces apart; the last one is not padded. */
    private static final class Table {
        private final List<List<String>> rows = new ArrayList<>();

        Table(String... headings) {
            if (headings.length > 0) {
                rows.add(List.of(headings));
            }
        }

        void row(String... cells) {
            List<String> row = new ArrayList<>(cells.length);
            for (String cell : cells) {
                row.add(printable(orNone(cell)));
            }
            rows.add(row);
        }

        @Override
        public String toString() {
            int columns = rows.stream().mapToInt(List::size).max().orElse(0);
            int[] widths = new int[columns];
            for (List<String> row : rows) {
                for (int i = 0; i < row.size(); i++) {
                    widths[i] = Math.max(widths[i], row.get(i).length());
                }
            }
            StringBuilder out = new StringBuilder();
            for (List<String> row : rows) {
                for (int i = 0; i < row.size(); i++) {
                    boolean last = i == row.size() - 1;
                    out.append(last ? row.get(i) : String.format("%-" + widths[i] + "s  ", row.get(i)));
                }
                out.append('\n');
            }
            return out.toString();
        }
    }
}
