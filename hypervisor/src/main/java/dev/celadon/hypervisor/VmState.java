package dev.celadon.hypervisor;

/** What a worker is doing, as observed from its process and QMP. */
public enum VmState {
    /** Launched, QMP not yet negotiated or CPUs not yet running. */
    STARTING,
    /** Guest CPUs run. */
    RUNNING,
    /** The worker is alive but the guest is paused (QEMU status other than running). */
    PAUSED,
    /** A graceful stop is in progress. */
    STOPPING,
    /** The worker has exited, or the guest shut down, at Celadon's request or the guest's own. */
    STOPPED,
    /** The worker died or the guest panicked without being asked to stop. */
    CRASHED;

    public boolean isAlive() {
        return this == STARTING || this == RUNNING || this == PAUSED || this == STOPPING;
    }
}
