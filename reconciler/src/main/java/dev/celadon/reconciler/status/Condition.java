package dev.celadon.reconciler.status;

import io.quarkus.runtime.annotations.RegisterForReflection;

import java.time.Instant;

/**
 * A Kubernetes-style condition: a named fact about a partition, true or false, with a
 * machine-readable reason, a message for people and when it last changed.
 */
@RegisterForReflection
public record Condition(String type, String status, String reason, String message, Instant since) {

    /** Condition types Celadon reports. */
    public static final String WORKER_RUNNING = "WorkerRunning";
    public static final String GUEST_READY = "GuestReady";
    public static final String RESTART_REQUIRED = "RestartRequired";
    public static final String INSUFFICIENT_RESOURCES = "InsufficientResources";
    public static final String DELETION_REFUSED = "DeletionRefused";
    public static final String CHANGE_REFUSED = "ChangeRefused";
    public static final String RECONCILE_FAILED = "ReconcileFailed";
    /** Supervision found the partition's worker files or processes wrong and repaired them (record, orphan). */
    public static final String WORKER_RECOVERED = "WorkerRecovered";
    /** The partition's images fetched by URL are in the cache (False while downloading, or after a failure). */
    public static final String IMAGE_READY = "ImageReady";
    /** Every check of the partition's spec.readiness holds (docs/design.md §4): the one condition that says Ready. */
    public static final String READY = "Ready";
    /** A Try rollout: True once the change was undone for not becoming Ready in time; False while it is tried. */
    public static final String ROLLED_BACK = "RolledBack";
}
