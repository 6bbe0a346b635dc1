package dev.celadon.reconciler.upgrade;

import java.io.IOException;

/** Reboots the appliance. */
@FunctionalInterface
public interface Rebooter {

    void reboot() throws IOException;

    /**
     * SIGTERM to PID 1, busybox init, which then does what ctrl-alt-del and {@code reboot} do: its shutdown, every
     * process ended (TERM, then KILL), the disks synced, the reboot. The reconciler keeps no CAP_SYS_BOOT; it signals a
     * process of its own uid.
     */
    Rebooter INIT = () -> {
        ProcessHandle init = ProcessHandle.of(1).orElseThrow(() -> new IOException("no process 1 to ask for a reboot"));
        if (!init.destroy()) {
            throw new IOException("process 1 could not be asked to reboot");
        }
    };
}
