package dev.celadon.reconciler.loop;

import dev.celadon.reconciler.plan.Desired;
import dev.celadon.reconciler.source.Verification;
import dev.celadon.reconciler.spec.SpecError;
import dev.celadon.reconciler.spec.SpecSet;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What the loop knows of Git: the last good revision (in force), the newest fetched revision with its
 * errors if it was rejected, and the health of fetching.
 *
 * @param fetchedRevision the newest revision fetched, good or bad; null before the first fetch
 * @param rejected        the errors of the fetched revision when it was rejected, else empty
 * @param verification    the last signature check ({@code celadon.git.verify}), passed or refused; null while
 *                        that is off or before the first
 */
record SourceState(Desired desired, String fetchedRevision, List<SpecError> rejected,
                   Instant lastSyncAt, String lastError, boolean stale, Verification verification) {

    static SourceState initial() {
        return new SourceState(Desired.NOTHING, null, List.of(), null, null, false, null);
    }

    /** A sync completed, good or bad: there is a revision or an error to show. */
    boolean synced() {
        return lastSyncAt != null || lastError != null;
    }

    /** Whether a status built from {@code next} differs from one built from this, beyond the sync's time. */
    boolean shownDiffers(SourceState next) {
        return !Objects.equals(desired.revision(), next.desired.revision())
                || !Objects.equals(fetchedRevision, next.fetchedRevision)
                || !Objects.equals(lastError, next.lastError)
                || stale != next.stale || synced() != next.synced()
                || !Objects.equals(verification, next.verification);
    }

    SourceState withRevision(String revision, SpecSet specs, Verification checked, Instant now) {
        if (specs.isValid()) {
            return new SourceState(new Desired(revision, specs.partitions(), specs.appliances()), revision, List.of(), now,
                    null, false, checked);
        }
        String error = "revision " + revision + " rejected: " + specs.errors().size() + " error"
                + (specs.errors().size() == 1 ? "" : "s") + " in the specs; revision "
                + inForce() + " stays in force";
        return new SourceState(desired, revision, specs.errors(), now, error, false, checked);
    }

    /** The same revision again: a rejected one stays rejected, and fetching works again. */
    SourceState fetchedAgain(Verification checked, Instant now) {
        String error = rejected.isEmpty() ? null : lastError;
        return new SourceState(desired, fetchedRevision, rejected, now, error, false, checked);
    }

    /**
     * The remote's newest revision has no valid signature by a trusted key: it was not even checked out.
     * Fetching works, so nothing is stale; the revision in force stays.
     */
    SourceState refused(Verification checked, Instant now) {
        String error = "revision " + checked.object() + " refused: " + checked.reason() + "; revision " + inForce()
                + " stays in force";
        return new SourceState(desired, fetchedRevision, List.of(), now, error, false, checked);
    }

    /**
     * Follows a revision an earlier run checked out, because the source cannot be reached and no
     * revision is known yet. Still stale: Git may hold newer commits.
     */
    SourceState followingLastCheckout(String revision, SpecSet specs, Verification checked) {
        return new SourceState(new Desired(revision, specs.partitions(), specs.appliances()), null, List.of(), lastSyncAt,
                lastError + "; following revision " + revision + " from the last checkout on disk", true, checked);
    }

    SourceState failed(String message, Instant now) {
        return new SourceState(desired, fetchedRevision, rejected, lastSyncAt,
                "fetch failed at " + now + ": " + message, true, verification);
    }

    private String inForce() {
        return desired.revision() == null ? "(none)" : desired.revision();
    }
}
