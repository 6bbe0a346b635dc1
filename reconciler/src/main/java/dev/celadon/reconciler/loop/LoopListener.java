package dev.celadon.reconciler.loop;

import dev.celadon.reconciler.status.Event;

import java.time.Duration;

/** What the loop reports besides status: the hooks metrics and the event history hang on. */
public interface LoopListener {

    LoopListener NONE = new LoopListener() {
        @Override
        public void synced(String result) {
        }

        @Override
        public void reconciled(Duration took) {
        }
    };

    /** A sync ended: {@code ok}, {@code unchanged}, {@code invalid} or {@code error}. */
    void synced(String result);

    /** A reconcile pass ended. */
    void reconciled(Duration took);

    /** Something for the history (GET /status/events): a revision fetched or refused, an action and its outcome. */
    default void recorded(Event event) {
    }
}
