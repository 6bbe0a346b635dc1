package dev.celadon.reconciler.status;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready once status reflects Git: after the first completed sync, good or bad. Before it, status would
 * describe nothing, so a load balancer or a fleet tool should not trust it yet. Liveness needs no check of
 * its own: {@code /q/health/live} is UP while the process answers.
 */
@Readiness
@ApplicationScoped
public class SyncReadiness implements HealthCheck {

    private final StatusStore store;

    public SyncReadiness(StatusStore store) {
        this.store = store;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("git-first-sync").status(store.synced()).build();
    }
}
