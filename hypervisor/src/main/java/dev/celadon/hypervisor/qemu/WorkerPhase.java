package dev.celadon.hypervisor.qemu;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * Where a worker is in its life, kept in its record so that a later reconciler knows as much as the one
 * that wrote it. Moves are checked against one explicit table (cloud-hypervisor's
 * {@code VmState::valid_transition}) instead of being implied by flags.
 *
 * <pre>
 *   LAUNCHING ──cont──▶ RUNNING ──stop asked, guest off──▶ ENDING
 *       │  └──stop asked, launch failed──▶ ENDING              │
 *       └──────────────process gone──────────┬──────────────────┘
 *                                            ▼
 *   (a new start) ◀────────────────────── EXITED
 * </pre>
 */
enum WorkerPhase {
    /** The record is written before the spawn: the pid is 0 until QEMU runs, then known; CPUs paused. */
    LAUNCHING,
    /** The launch finished with {@code cont}; the guest runs (or was paused by someone). */
    RUNNING,
    /** On its way out: a stop was requested, or the guest powered off or panicked; the reason is recorded. */
    ENDING,
    /** The process is gone and why is recorded; the pid is 0 and never signalled again. */
    EXITED;

    private static final Map<WorkerPhase, Set<WorkerPhase>> NEXT = Map.of(
            LAUNCHING, EnumSet.of(RUNNING, ENDING, EXITED),
            RUNNING, EnumSet.of(ENDING, EXITED),
            ENDING, EnumSet.of(EXITED),
            EXITED, EnumSet.of(LAUNCHING));

    boolean canBecome(WorkerPhase next) {
        return NEXT.get(this).contains(next);
    }

    /** The process may be alive in this phase: only then is it observed, signalled or reconnected to. */
    boolean hasProcess() {
        return this != EXITED;
    }

    /** Thrown for a move the table does not allow: a bug in whoever asked for it, never a runtime condition. */
    static final class IllegalMove extends IllegalStateException {
        IllegalMove(String partition, WorkerPhase from, WorkerPhase to) {
            super(partition + ": a worker cannot go from " + from + " to " + to);
        }
    }
}
