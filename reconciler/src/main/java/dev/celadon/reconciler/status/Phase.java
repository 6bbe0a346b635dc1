package dev.celadon.reconciler.status;

/** Where a partition stands, in the words of DESIGN.md §5. */
public enum Phase {
    Pending,
    Starting,
    Running,
    Stopping,
    Stopped,
    Failed,
    Deleting
}
