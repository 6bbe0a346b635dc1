package dev.celadon.hypervisor.qemu.qmp;

/**
 * Receives what QEMU says unasked. Called on the client's reader thread, one call at a time and in
 * the order QEMU sent them; implementations must not block on QMP commands of the same client.
 */
public interface QmpListener {

    void onEvent(QmpEvent event);

    /** The connection is gone (QEMU exited, was killed, or {@link QmpClient#close()} was called). */
    void onDisconnect();

    QmpListener NONE = new QmpListener() {
        @Override
        public void onEvent(QmpEvent event) {
        }

        @Override
        public void onDisconnect() {
        }
    };
}
