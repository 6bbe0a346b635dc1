package dev.celadon.reconciler.spec;

import java.time.Duration;

/**
 * How a change to a running partition is rolled out ({@code spec.rollout}, DESIGN.md §3 "Rollout").
 *
 * @param timeout with {@link Strategy#TRY}, how long a changed partition has to become Ready before its
 *                previous configuration is restored
 */
public record Rollout(Strategy strategy, Duration timeout) {

    /** What a spec without {@code rollout} gets: changes are applied and kept, as before rollouts existed. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(2);
    public static final Rollout DEFAULT = new Rollout(Strategy.RESTART, DEFAULT_TIMEOUT);

    public enum Strategy {
        /** Apply the change (restart or live update) and keep it, Ready or not. */
        RESTART("Restart"),
        /** Apply the change; if the partition is not Ready within the timeout, restore its previous configuration. */
        TRY("Try");

        private final String yaml;

        Strategy(String yaml) {
            this.yaml = yaml;
        }

        public String yaml() {
            return yaml;
        }
    }

    public boolean tries() {
        return strategy == Strategy.TRY;
    }
}
