package dev.celadon.reconciler.status;

import dev.celadon.reconciler.upgrade.UpgradeStatus;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.TreeMap;

/**
 * {@code GET /}: the status document as a page for people. A pure function of the document and the time,
 * rendered on the server so the page is complete without JavaScript (curl, text browsers on a console);
 * {@code /assets/status.js} re-fetches it every few seconds and swaps the {@code <main>} in place.
 * Only constant markup and escaped values are written (see {@link HtmlWriter}).
 */
final class StatusPage {

    /** How often the page refreshes itself; the script reads it from the page. */
    static final int REFRESH_MILLIS = 2000;

    private static final String NONE = "—";
    private static final int SHORT_REVISION = 7;

    private static final Pattern DOWNLOADED = Pattern.compile("(\\d+) of (\\d+) bytes");
    /** Conditions that are good news when True; every other type is bad news when True. */
    private static final Set<String> HEALTHY_WHEN_TRUE = Set.of(Condition.WORKER_RUNNING, Condition.GUEST_READY,
            Condition.IMAGE_READY);

    private StatusPage() {
    }

    static String render(StatusDocument status, Instant now) {
        return render(status, List.of(), now);
    }

    /** The page, with the newest {@code events} in its own section below the partitions. */
    static String render(StatusDocument status, List<Event> events, Instant now) {
        HtmlWriter html = new HtmlWriter();
        head(html, status.appliance());
        html.open("body");
        // Outside <main>, so the script's "unreachable" notice survives the swaps.
        html.markup("<p id=\"connection\" class=\"banner error\" hidden></p>");
        html.open("main", "id", "status", "data-refresh-millis", Integer.toString(REFRESH_MILLIS));
        header(html, status.appliance(), status.summary());
        sourceBanner(html, status.source());
        source(html, status.source(), now);
        errors(html, status.errors());
        partitions(html, status.partitions(), now);
        EventsSection.write(html, events, now);
        html.open("footer")
                .text("Updated " + time(now) + " · refreshes every " + REFRESH_MILLIS / 1000 + " s · read-only: "
                        + "change the desired state in Git · ")
                .element("a", "JSON", "href", "/status")
                .close("footer");
        html.close("main").close("body").close("html");
        return html.toString();
    }

    private static void head(HtmlWriter html, ApplianceInfo appliance) {
        html.markup("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                // Without JavaScript the page still refreshes, only less smoothly.
                + "<noscript><meta http-equiv=\"refresh\" content=\"5\"></noscript>"
                + "<link rel=\"stylesheet\" href=\"/assets/status.css\">"
                + "<script src=\"/assets/status.js\" defer></script>");
        html.element("title", orNone(appliance.name()) + " · Celadon");
        html.close("head");
    }

    private static void header(HtmlWriter html, ApplianceInfo appliance, Summary summary) {
        html.open("header");
        html.open("h1").text("Celadon ").element("span", orNone(appliance.name()), "class", "appliance").close("h1");
        html.open("p", "class", "facts")
                .text("accel ").element("b", orNone(appliance.accel()), "id", "accel")
                .text(" · version ").element("b", orNone(appliance.version()), "id", "version");
        if (appliance.slot() != null) {
            html.text(" from slot ").element("b", appliance.slot(), "id", "slot");
        }
        if (appliance.upgrade() != null) {
            UpgradeStatus upgrade = appliance.upgrade();
            html.text(" · upgrade to ").element("b", orNone(upgrade.version()))
                    .text(": ").element("span", upgrade.state() + ", " + upgrade.message(), "id", "upgrade",
                            "class", "Failed".equals(upgrade.state()) ? "failed" : null);
        }
        if (!appliance.labels().isEmpty()) {
            html.text(" · labels ");
            new TreeMap<>(appliance.labels()).forEach((key, value) -> html.element("code", key + "=" + value,
                    "class", "label"));
        }
        html.close("p");
        network(html, appliance.network());
        html.open("p", "class", "summary", "id", "summary")
                .element("span", summary.desired() + " desired")
                .element("span", summary.running() + " running", "class", "running")
                .element("span", summary.failed() + " failed", "class", summary.failed() > 0 ? "failed" : null)
                .close("p");
        html.close("header");
    }

    /** Each bridge: what uplinks it and the appliance's address on it, e.g. {@code celadon0 ← eth0 · 192.168.1.20/24 (DHCP)}. */
    private static void network(HtmlWriter html, ApplianceNetwork network) {
        if (network.bridges().isEmpty()) {
            return;
        }
        html.open("p", "class", "facts", "id", "network").text("network");
        for (ApplianceNetwork.Bridge bridge : network.bridges()) {
            html.text(" · ").element("code", bridge.name(), "class", "bridge").text(" " + bridge(bridge, network.addressing()));
        }
        html.close("p");
    }

    static String bridge(ApplianceNetwork.Bridge bridge, String addressing) {
        if (!bridge.present()) {
            return "not present";
        }
        String uplink = bridge.uplink() == null ? "no uplink" : "← " + bridge.uplink();
        String addresses = bridge.addresses().isEmpty() ? "" : " · " + String.join(", ", bridge.addresses())
                + (ApplianceNetwork.MAIN_BRIDGE.equals(bridge.name()) ? " (" + ("static".equals(addressing) ? "static" : "DHCP") + ")" : "");
        return uplink + addresses + (bridge.vlanFiltering() ? "" : " · no VLANs");
    }

    /** Staleness and the last error go first, where nobody can miss them. */
    private static void sourceBanner(HtmlWriter html, SourceStatus source) {
        if (source.stale()) {
            html.open("p", "class", "banner error", "id", "stale")
                    .element("strong", "Stale: ")
                    .text("the last fetch from Git failed; partitions follow revision "
                            + shortRevision(source.revision()) + ", Git may hold newer. ")
                    .text(source.lastError() == null ? "" : source.lastError())
                    .close("p");
        } else if (source.lastError() != null) {
            html.open("p", "class", "banner warn", "id", "last-error")
                    .element("strong", "Not applied: ")
                    .text(source.lastError())
                    .close("p");
        }
    }

    private static void source(HtmlWriter html, SourceStatus source, Instant now) {
        html.open("section", "id", "source").element("h2", "Source").open("dl");
        html.element("dt", "Repository").open("dd").element("code", orNone(source.url())).close("dd");
        html.element("dt", "Branch").element("dd", orNone(source.branch()));
        html.element("dt", "Revision").open("dd")
                .element("code", source.revision() == null ? "none applied yet" : source.revision(), "id", "revision")
                .close("dd");
        html.element("dt", "Last sync").element("dd", when(source.lastSyncAt(), now), "id", "last-sync");
        signature(html, source.verification());
        html.close("dl").close("section");
    }

    /** The newest revision's signature check, when celadon.git.verify asks for one. */
    private static void signature(HtmlWriter html, VerificationView check) {
        if (check == null) {
            return;
        }
        String who = check.key() == null ? "" : " by " + check.key() + (check.signer() == null ? "" : " (" + check.signer() + ")");
        html.element("dt", "Signature").element("dd", check.result() + who + (check.reason() == null ? ""
                : ": " + check.reason()), "id", "signature", "class", check.reason() == null ? "running" : "failed");
    }

    private static void errors(HtmlWriter html, List<ErrorView> errors) {
        if (errors.isEmpty()) {
            return;
        }
        html.open("section", "id", "errors")
                .element("h2", "Spec errors (" + errors.size() + ")")
                .element("p", "Revision " + shortRevision(errors.getFirst().revision())
                        + " was rejected as a whole; the last good revision stays in force.")
                .open("ul", "class", "errors");
        for (ErrorView error : errors) {
            html.open("li")
                    .element("code", error.file() + ":" + error.line() + ":" + error.column() + ":", "class", "where")
                    .text(" ");
            if (error.field() != null && !error.field().isEmpty()) {
                html.element("code", error.field() + ":", "class", "field").text(" ");
            }
            html.element("span", orNone(error.message()), "class", "message").close("li");
        }
        html.close("ul").close("section");
    }

    private static void partitions(HtmlWriter html, List<PartitionStatus> partitions, Instant now) {
        html.open("section", "id", "partitions").element("h2", "Partitions");
        if (partitions.isEmpty()) {
            html.element("p", "No partitions: Git declares none for this appliance.", "class", "muted");
            html.close("section");
            return;
        }
        html.markup("<table><thead><tr><th>Name</th><th>Phase</th><th>Desired</th><th>Revision</th>"
                + "<th>Worker</th><th>Guest</th><th>Networks</th><th>Restarts</th><th>Conditions</th><th>Pending</th></tr></thead>");
        html.open("tbody");
        for (PartitionStatus partition : partitions) {
            row(html, partition, now);
        }
        html.close("tbody").markup("</table>").close("section");
    }

    private static void row(HtmlWriter html, PartitionStatus partition, Instant now) {
        String phase = partition.phase() == null ? "Unknown" : partition.phase().name();
        Condition notReady = guestNotReady(partition);
        Condition rollout = rollout(partition);
        html.open("tr", "data-partition", partition.name(), "class", "phase-" + phase
                + (notReady == null ? "" : unknown(notReady) ? " guest-unknown" : " guest-not-ready")
                + (rollout != null && "True".equals(rollout.status()) ? " rolled-back" : ""));
        name(html, partition.name());
        phase(html, phase, notReady, rollout);
        html.element("td", orNone(partition.runState()), "class", "desired");
        html.open("td").element("code", shortRevision(partition.revision()), "class", "revision",
                "title", partition.revision()).close("td");
        worker(html, partition.worker());
        guest(html, partition.guest(), now);
        networks(html, partition.networks());
        html.element("td", Integer.toString(partition.restarts()), "class", "restarts");
        conditions(html, partition);
        html.element("td", partition.pending() == null ? NONE : partition.pending(), "class", "pending");
        html.close("tr");
    }

    /** The name, and the partition's serial console (of a stopped one too: its last output). */
    private static void name(HtmlWriter html, String name) {
        html.open("td", "class", "name").element("code", orNone(name));
        if (name != null && !name.isEmpty()) {
            html.markup("<br>").element("a", "console", "class", "console", "href", consoleHref(name));
        }
        html.close("td");
    }

    static String consoleHref(String name) {
        return "/status/partitions/" + name + "/console";
    }

    /**
     * The phase; a worker that runs while its guest is not up (booting, stuck in its firmware, no longer
     * answering) is not shown as a healthy Running: "Running, guest not ready", with why; nor one whose
     * guest nothing asks: "Running, guest unknown".
     */
    private static void phase(HtmlWriter html, String phase, Condition notReady, Condition rollout) {
        html.open("td");
        if (notReady == null) {
            html.element("span", phase, "class", "phase");
        } else {
            html.element("span", phase + (unknown(notReady) ? ", guest unknown" : ", guest not ready"), "class", "phase")
                    .markup("<br>").element("span", orNone(notReady.reason()) + ": " + orNone(notReady.message()),
                            "class", "guest-reason");
        }
        if (rollout != null) {
            boolean rolledBack = "True".equals(rollout.status());
            html.markup("<br>").open("span", "class", rolledBack ? "rollout rolled-back" : "rollout trying")
                    .element("strong", rolledBack ? "Rolled back: " : "Trying: ").text(orNone(rollout.message()))
                    .close("span");
        }
        html.close("td");
    }

    /** The partition's Try rollout ({@code RolledBack}: True once rolled back, False while tried), else null. */
    static Condition rollout(PartitionStatus partition) {
        return partition.conditions().stream().filter(c -> Condition.ROLLED_BACK.equals(c.type())).findFirst().orElse(null);
    }

    /** A GuestReady that Celadon cannot know: no agent is asked. */
    private static boolean unknown(Condition guestReady) {
        return "Unknown".equals(guestReady.status());
    }

    /** The GuestReady condition of a Running partition whose guest is not known to be ready, else null. */
    static Condition guestNotReady(PartitionStatus partition) {
        if (partition.phase() != Phase.Running) {
            return null;
        }
        return partition.conditions().stream()
                .filter(c -> Condition.GUEST_READY.equals(c.type()) && !"True".equals(c.status()))
                .findFirst().orElse(null);
    }

    /** The process, the machine as the hypervisor reports it (vCPUs, RAM, the balloon's current size), its isolation. */
    private static void worker(HtmlWriter html, WorkerView worker) {
        html.open("td", "class", "worker");
        if (worker == null) {
            html.text(NONE);
        } else {
            html.text("pid " + worker.pid() + " · " + orNone(worker.accel()));
            if (worker.cpus() != null && worker.memoryBytes() != null) {
                html.markup("<br>").element("span", resources(worker), "class", "resources");
            }
            html.markup("<br>").element("span", "isolation " + orNone(worker.isolation()), "class", "isolation");
        }
        html.close("td");
    }

    /** E.g. {@code 2 vCPUs · 512 MiB, balloon 256 MiB}. */
    static String resources(WorkerView worker) {
        String cpus = worker.cpus() + (worker.cpus() == 1 ? " vCPU" : " vCPUs");
        String balloon = worker.balloonBytes() == null ? "" : ", balloon " + bytes(worker.balloonBytes());
        return cpus + " · " + bytes(worker.memoryBytes()) + balloon;
    }

    /** Bytes in the largest binary unit that keeps one decimal at most: 512 MiB, 1.5 GiB, 700 B. */
    static String bytes(long value) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        double scaled = value;
        int unit = 0;
        while (scaled >= 1024 && unit < units.length - 1) {
            scaled /= 1024;
            unit++;
        }
        String number = scaled == Math.rint(scaled) ? Long.toString((long) scaled)
                : String.format(java.util.Locale.ROOT, "%.1f", scaled);
        return number + " " + units[unit];
    }

    private static void guest(HtmlWriter html, GuestView guest, Instant now) {
        html.open("td", "class", guest != null && !guest.current() ? "guest last-seen" : "guest");
        if (guest == null || (guest.heartbeatAt() == null && guest.hostname() == null && guest.addresses().isEmpty())) {
            html.element("span", "not seen", "class", "muted", "title", "no guest agent has answered");
        } else {
            html.element("b", orNone(guest.hostname()));
            if (!guest.addresses().isEmpty()) {
                html.markup("<br>").element("span", String.join(", ", guest.addresses()), "class", "addresses");
            }
            if (guest.os() != null) {
                html.markup("<br>").element("span", guest.os(), "class", "muted");
            }
            // The age is what matters in a table; the exact time is in the tooltip. Details that are not current
            // are what the guest was when it last answered, not what it is.
            html.markup("<br>").element("span", (guest.current() ? "heartbeat " : "last seen ")
                    + ago(guest.heartbeatAt(), now), "class", guest.current() ? "heartbeat" : "heartbeat last-seen",
                    "title", guest.heartbeatAt() == null ? null : time(guest.heartbeatAt()));
        }
        html.close("td");
    }

    /**
     * Each NIC: name and MAC, where it is plugged in (tap on bridge, VLAN; or user-mode) and its model, then the
     * addresses the guest reports on it, so an operator sees the lease a partition got.
     */
    private static void networks(HtmlWriter html, List<NetworkView> networks) {
        html.open("td", "class", "networks");
        if (networks.isEmpty()) {
            html.text(NONE);
        } else {
            html.open("ul");
            for (NetworkView nic : networks) {
                html.open("li", "data-nic", nic.name()).element("b", orNone(nic.name())).text(" ")
                        .element("code", orNone(nic.mac()), "class", "mac").markup("<br>")
                        .element("span", plugged(nic) + " · " + orNone(nic.model()), "class", "muted");
                if (!nic.addresses().isEmpty()) {
                    html.markup("<br>").element("span", String.join(", ", nic.addresses()), "class", "addresses");
                }
                html.close("li");
            }
            html.close("ul");
        }
        html.close("td");
    }

    /** E.g. {@code cd-0a1b2c3d4e5f on celadon0, VLAN 20}, or {@code user-mode} for a NIC without a bridge. */
    static String plugged(NetworkView nic) {
        if (nic.bridge() == null) {
            return "user-mode";
        }
        return orNone(nic.tap()) + " on " + nic.bridge() + (nic.vlan() == null ? "" : ", VLAN " + nic.vlan());
    }

    private static void conditions(HtmlWriter html, PartitionStatus partition) {
        List<Condition> attention = partition.conditions().stream()
                .filter(condition -> needsAttention(condition, partition))
                .toList();
        html.open("td", "class", "conditions");
        if (attention.isEmpty()) {
            html.element("span", "OK", "class", "muted");
        } else {
            html.open("ul");
            for (Condition condition : attention) {
                html.open("li", "title", condition.since() == null ? null : "since " + time(condition.since()))
                        .element("b", orNone(condition.type()))
                        .text(condition.reason() == null ? "" : " " + condition.reason())
                        .text(condition.message() == null ? "" : ": " + condition.message());
                downloadProgress(html, condition);
                html.close("li");
            }
            html.close("ul");
        }
        html.close("td");
    }

    /** A bar for an image being downloaded: its condition's message starts "DONE of TOTAL bytes". */
    private static void downloadProgress(HtmlWriter html, Condition condition) {
        if (!Condition.IMAGE_READY.equals(condition.type()) || !"Downloading".equals(condition.reason())
                || condition.message() == null) {
            return;
        }
        Matcher bytes = DOWNLOADED.matcher(condition.message());
        if (bytes.lookingAt()) {
            html.element("progress", "", "value", bytes.group(1), "max", bytes.group(2), "class", "download");
        }
    }

    /**
     * Worth showing: a bad-news condition that holds, or a good-news one that does not while Git wants the
     * partition running (a stopped partition's worker is rightly not running).
     */
    static boolean needsAttention(Condition condition, PartitionStatus partition) {
        boolean holds = "True".equals(condition.status());
        if (HEALTHY_WHEN_TRUE.contains(condition.type())) {
            return !holds && "Running".equals(partition.runState());
        }
        return holds;
    }

    static String shortRevision(String revision) {
        if (revision == null) {
            return NONE;
        }
        return revision.length() <= SHORT_REVISION ? revision : revision.substring(0, SHORT_REVISION);
    }

    /** An instant as UTC to the second with its age, e.g. {@code 2025-05-01T10:00:00Z (3 s ago)}. */
    static String when(Instant at, Instant now) {
        return at == null ? "never" : time(at) + " (" + age(Duration.between(at, now)) + ")";
    }

    static String ago(Instant at, Instant now) {
        return at == null ? "never" : age(Duration.between(at, now));
    }

    static String age(Duration age) {
        long seconds = age.toSeconds();
        if (seconds < 1) {
            return "just now";
        } else if (seconds < 60) {
            return seconds + " s ago";
        } else if (seconds < 3600) {
            return seconds / 60 + " min ago";
        } else if (seconds < 86_400) {
            return seconds / 3600 + " h ago";
        }
        return seconds / 86_400 + " d ago";
    }

    static String time(Instant at) {
        return DateTimeFormatter.ISO_INSTANT.format(at.truncatedTo(ChronoUnit.SECONDS));
    }

    static String orNone(String value) {
        return value == null || value.isEmpty() ? NONE : value;
    }
}
