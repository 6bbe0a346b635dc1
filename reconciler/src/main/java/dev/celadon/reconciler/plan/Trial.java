package dev.celadon.reconciler.plan;

import dev.celadon.hypervisor.VmConfig;

import java.time.Instant;
import java.util.Objects;

/**
 * A partition's Try rollout (DESIGN.md §3 "Rollout"), kept in its {@link LedgerEntry} so that it outlives a
 * restart of the reconciler: its deadline is persisted, not started afresh.
 *
 * @param action           the tried action as events name it ({@code restart}, {@code update-memory}, {@code grow-disks})
 * @param change           what it changed, as {@code pending} said it
 * @param revision         the revision tried
 * @param tried            {@link Rollouts#fingerprint} of the spec tried: while Git's spec for the partition is the
 *                         same, a rolled-back partition stays rolled back
 * @param previous         the machine to restore: what ran before the change
 * @param previousRevision the revision it came from
 * @param since            when the change was dispatched
 * @param deadline         when it must be Ready by
 * @param reason           why it was rolled back, one word ({@code NotReady}); null while trying
 * @param message          the same for people; null while trying
 * @param at               when it was judged failed, or restored; null while trying
 */
public record Trial(Phase phase, String action, String change, String revision, String tried, VmConfig previous,
                    String previousRevision, Instant since, Instant deadline, String reason, String message, Instant at) {

    public enum Phase {
        /** The change is applied or being applied, and has until the deadline to become Ready. */
        TRYING,
        /** It was not Ready in time: the previous machine is being restored. */
        ROLLING_BACK,
        /** The previous machine runs again, and stays until Git changes the partition. */
        ROLLED_BACK
    }

    public Trial {
        Objects.requireNonNull(phase, "phase");
        Objects.requireNonNull(tried, "tried");
        Objects.requireNonNull(previous, "previous");
        Objects.requireNonNull(since, "since");
        Objects.requireNonNull(deadline, "deadline");
    }

    /** A try that starts now; the loop names its action when it dispatches it. */
    static Trial trying(String revision, String tried, VmConfig previous, String previousRevision, Instant since,
                        Instant deadline) {
        return new Trial(Phase.TRYING, null, null, revision, tried, previous, previousRevision, since, deadline, null,
                null, null);
    }

    /** The same try, its action as dispatched. */
    public Trial dispatched(String actionName, String described) {
        return new Trial(phase, actionName, described, revision, tried, previous, previousRevision, since, deadline,
                reason, message, at);
    }

    Trial failed(String why, String text, Instant now) {
        return new Trial(Phase.ROLLING_BACK, action, change, revision, tried, previous, previousRevision, since, deadline,
                why, text, now);
    }

    Trial restored(Instant now) {
        return new Trial(Phase.ROLLED_BACK, action, change, revision, tried, previous, previousRevision, since, deadline,
                reason, message, now);
    }

    /** Rolling back or rolled back: the partition runs, or is to run, {@link #previous}. */
    public boolean restoring() {
        return phase != Phase.TRYING;
    }
}
