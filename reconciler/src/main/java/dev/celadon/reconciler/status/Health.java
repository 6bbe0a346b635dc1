package dev.celadon.reconciler.status;

import java.nio.charset.StandardCharsets;

/**
 * {@code /q/health/live} and {@code /q/health/ready}, in the JSON shape of MicroProfile Health that probes and
 * fleet tools already read: {@code {"status":"UP","checks":[...]}}, 503 when DOWN. Live while the process
 * answers; ready once status reflects Git, after the first completed sync, good or bad, and as long as syncs
 * and reconcile passes keep completing. Before it, status describes nothing; after a stall, status describes a
 * past that may no longer hold: a load balancer or a fleet tool should not trust it.
 */
final class Health {

    /** The readiness checks' names. */
    static final String FIRST_SYNC = "git-first-sync";
    static final String SYNCING = "git-sync-running";
    static final String RECONCILING = "reconcile-loop-running";

    record Answer(int status, byte[] body) {
    }

    private static final Answer LIVE = new Answer(200, bytes("{\"status\":\"UP\",\"checks\":[]}"));

    private Health() {
    }

    static Answer live() {
        return LIVE;
    }

    static Answer ready(StatusStore.Readiness readiness) {
        String checks = check(FIRST_SYNC, readiness.firstSync()) + "," + check(SYNCING, readiness.syncing()) + ","
                + check(RECONCILING, readiness.reconciling());
        return new Answer(readiness.ready() ? 200 : 503,
                bytes("{\"status\":\"" + upOrDown(readiness.ready()) + "\",\"checks\":[" + checks + "]}"));
    }

    private static String check(String name, boolean up) {
        return "{\"name\":\"" + name + "\",\"status\":\"" + upOrDown(up) + "\"}";
    }

    private static String upOrDown(boolean up) {
        return up ? "UP" : "DOWN";
    }

    private static byte[] bytes(String json) {
        return json.getBytes(StandardCharsets.UTF_8);
    }
}
