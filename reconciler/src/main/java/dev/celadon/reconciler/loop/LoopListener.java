package dev.celadon.reconciler.loop;

import java.time.Duration;

/** What the loop reports besides status: the hooks metrics hang on. */
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
}
