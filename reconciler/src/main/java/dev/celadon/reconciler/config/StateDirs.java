package dev.celadon.reconciler.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** The folders under {@code celadon.state-dir}, each owned by one part of the reconciler. */
public record StateDirs(Path root) {

    /** The key that sets the root, for messages about it. */
    public static final String KEY = "celadon.state-dir";

    public static StateDirs from(CeladonConfig config) {
        return of(config.stateDir());
    }

    /** The configured root, else {@code /var/lib/celadon} as root, else {@code ~/.local/state/celadon} (DESIGN.md §4). */
    static StateDirs of(Optional<Path> configured) {
        return new StateDirs(configured.orElseGet(() -> "root".equals(System.getProperty("user.name"))
                ? Path.of("/var/lib/celadon")
                : Path.of(System.getProperty("user.home"), ".local", "state", "celadon")).toAbsolutePath());
    }

    /** The clone of the Git repository. */
    public Path clone() {
        return root.resolve("git");
    }

    /** Worker records, sockets, console logs and disks. */
    public Path hypervisor() {
        return root.resolve("hypervisor");
    }

    /** The reconciler's ledger of what it applied. */
    public Path ledger() {
        return root.resolve("reconciler").resolve("ledger.json");
    }

    /** The event history (GET /status/events), one JSON event per line. */
    public Path events() {
        return root.resolve("reconciler").resolve("events.jsonl");
    }

    /** Held by the running reconciler, so a second one on the same state dir refuses to start. */
    public Path lockFile() {
        return root.resolve("reconciler").resolve("reconciler.lock");
    }

    /** The appliance's upgrade record (docs/design.md §4 "Upgrades"), which its trial watchdog reads too. */
    public Path upgrade() {
        return root.resolve("upgrade");
    }

    /** The embedded demo repository, created when no Git URL is configured. */
    public Path demoRepository() {
        return root.resolve("demo-repo");
    }

    public List<Path> images(CeladonConfig config) {
        return config.images().dirs().orElse(List.of(root.resolve("images"))).stream()
                .map(Path::toAbsolutePath).toList();
    }
}
