package dev.celadon.reconciler.status;

import java.nio.charset.StandardCharsets;

/**
 * {@code /q/health/live} and {@code /q/health/ready}, in the JSON shape of MicroProfile Health that probes and
 * fleet tools already read: {@code {"status":"UP","checks":[...]}}, 503 when DOWN. Live while the process
 * answers; ready once status reflects Git, after the first completed sync, good or bad. Before it, status
 * describes nothing, so a load balancer or a fleet tool should not trust it yet.
 */
final class Health {

    /** The readiness check's name. */
    static final String FIRST_SYNC = "git-first-sync";

    record Answer(int status, byte[] body) {
    }

    private static final Answer LIVE = new Answer(200, bytes("{\"status\":\"UP\",\"checks\":[]}"));
    private static final Answer READY = readiness("UP", 200);
    private static final Answer NOT_READY = readiness("DOWN", 503);

    private Health() {
    }

    static Answer live() {
        return LIVE;
    }

    static Answer ready(boolean synced) {
        return synced ? READY : NOT_READY;
    }

    private static Answer readiness(String status, int code) {
        return new Answer(code, bytes("{\"status\":\"" + status + "\",\"checks\":[{\"name\":\"" + FIRST_SYNC
                + "\",\"status\":\"" + status + "\"}]}"));
    }

    private static byte[] bytes(String json) {
        return json.getBytes(StandardCharsets.UTF_8);
    }
}
