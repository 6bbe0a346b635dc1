package dev.celadon.reconciler.plan;

/**
 * Whether a partition on trial is Ready, as the loop found it: what a Try rollout waits for.
 *
 * @param reason  one word, e.g. {@code NoHeartbeat}; null when Ready
 * @param message for people; null when Ready
 */
public record TrialReadiness(State state, String reason, String message) {

    public enum State {
        READY,
        NOT_READY,
        /** Not known yet: this reconciler has not asked yet since it started. A deadline that passed meanwhile waits. */
        NOT_YET_KNOWN
    }

    public static final TrialReadiness READY = new TrialReadiness(State.READY, null, null);

    public static TrialReadiness notReady(String reason, String message) {
        return new TrialReadiness(State.NOT_READY, reason, message);
    }

    public static TrialReadiness notYetKnown(String reason, String message) {
        return new TrialReadiness(State.NOT_YET_KNOWN, reason, message);
    }
}
