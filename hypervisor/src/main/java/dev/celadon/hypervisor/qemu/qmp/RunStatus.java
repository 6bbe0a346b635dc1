package dev.celadon.hypervisor.qemu.qmp;

/** QEMU's run state ({@code query-status}), in the classes the hypervisor tells apart. */
public enum RunStatus {
    /** The CPUs run. */
    RUNNING,
    /** Launched with {@code -S} and never continued: a launch is not finished. */
    PRELAUNCH,
    /** Loading state from a migration or snapshot: on its way to running. */
    INCOMING,
    /** The guest powered off; {@code -no-shutdown} keeps QEMU up. */
    SHUTDOWN,
    /** The guest reported a panic. */
    GUEST_PANICKED,
    /** Any other stop: paused, an I/O error, a watchdog, debug. */
    PAUSED;

    /** QEMU's name for the state, e.g. {@code running}, {@code guest-panicked}. */
    public static RunStatus parse(String status) {
        return switch (status) {
            case "running" -> RUNNING;
            case "prelaunch" -> PRELAUNCH;
            case "inmigrate", "restore-vm", "finish-migrate" -> INCOMING;
            case "shutdown" -> SHUTDOWN;
            case "guest-panicked" -> GUEST_PANICKED;
            default -> PAUSED;
        };
    }
}
