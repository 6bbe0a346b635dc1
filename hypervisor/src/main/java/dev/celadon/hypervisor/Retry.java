package dev.celadon.hypervisor;

/** What the reconcile loop should do after a failure (flux's internal/error). */
public enum Retry {
    /** The input is wrong: nothing changes until a new revision. */
    STALL,
    /** The worker is busy or booting: try again soon, without backoff. */
    REQUEUE,
    /** Anything else: retry with exponential backoff. */
    BACKOFF
}
