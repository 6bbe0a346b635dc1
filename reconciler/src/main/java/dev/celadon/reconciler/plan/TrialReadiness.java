package dev.celadon.reconciler.plan;

/**
 * Whether a partition on trial is Ready, as the loop found it: what a Try rollout waits for.
 *
 * @param message for people: the check that does not hold; null when Ready
 */
public record TrialReadiness(State state, String message) {

    public enum State {
        READY,
        NOT_READY,
        /** Not known yet: this reconciler has not asked yet since it started. A deadline that passed meanwhile waits. */
        NOT_YET_KNOWN
    }

    public static final TrialReadiness READY = new TrialReadiness(State.READY, null);

    public static TrialReadiness notReady(String message) {
        return new TrialReadiness(State.NOT_READY, message);
    }

    public static TrialReadiness notYetKnown(String message) {
        return new TrialReadiness(State.NOT_YET_KNOWN, message);
    }
}
