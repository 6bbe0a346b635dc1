package dev.celadon.hypervisor;

/** Why a worker is no longer running; recorded so status and restart policy can tell them apart. */
public enum StopReason {
    /** Celadon asked for the stop (runState Stopped, restart, deletion). */
    REQUESTED,
    /** The guest powered itself off. */
    GUEST_SHUTDOWN,
    /** The guest reported a panic. */
    GUEST_PANICKED,
    /** The worker process exited without being asked to. */
    WORKER_EXITED,
    /** The worker process was killed by a signal nobody in Celadon sent. */
    WORKER_KILLED;

    /** A failure in the sense of restartPolicy OnFailure. */
    public boolean isFailure() {
        return this == GUEST_PANICKED || this == WORKER_EXITED || this == WORKER_KILLED;
    }
}
