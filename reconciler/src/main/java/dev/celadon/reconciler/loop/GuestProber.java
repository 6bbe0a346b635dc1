package dev.celadon.reconciler.loop;

import dev.celadon.hypervisor.Hypervisor;
import dev.celadon.hypervisor.HypervisorException;
import dev.celadon.hypervisor.PartitionName;
import dev.celadon.hypervisor.VmState;
import dev.celadon.hypervisor.Worker;
import dev.celadon.hypervisor.WorkerStatus;
import dev.celadon.reconciler.spec.ReadinessSpec;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;

/**
 * The heartbeat integration service and the guest-side readiness checks: asks each running guest's agent for
 * news, and makes the tcp and exec checks of its {@code spec.readiness}, at most one probe per guest at a time
 * and never during an apply to it, each on its own virtual thread because a guest that is still booting may
 * take the whole agent timeout to not answer. The hypervisor keeps what the agent said; status reads it from
 * the worker's observation. The checks' results are kept here for {@link Readiness}.
 */
final class GuestProber {

    private static final Logger LOG = Logger.getLogger(GuestProber.class);
    /** How long a tcp check waits for the guest to take the connection. */
    static final Duration TCP_TIMEOUT = Duration.ofSeconds(3);
    /** How long an exec check's command may run; one that takes longer fails the check. */
    static final Duration EXEC_TIMEOUT = Duration.ofSeconds(10);

    private final Hypervisor hypervisor;
    private final ExecutorService threads;
    private final PartitionLocks handles;
    private final Clock clock;
    private final Map<PartitionName, Boolean> probing = new ConcurrentHashMap<>();
    /** The readiness of each partition of the revision in force; set by the loop thread. */
    private volatile Map<PartitionName, ReadinessSpec> readiness = Map.of();
    private final Map<PartitionName, Readiness.GuestChecks> checks = new ConcurrentHashMap<>();

    GuestProber(Hypervisor hypervisor, ExecutorService threads, PartitionLocks handles, Clock clock) {
        this.hypervisor = hypervisor;
        this.threads = threads;
        this.handles = handles;
        this.clock = clock;
    }

    /** The readiness checks to make from now on, by partition. */
    void check(Map<PartitionName, ReadinessSpec> wanted) {
        readiness = Map.copyOf(wanted);
        checks.keySet().retainAll(wanted.keySet());
    }

    /** The last results of a partition's tcp and exec checks; null when none were made. */
    Readiness.GuestChecks checks(PartitionName name) {
        return checks.get(name);
    }

    /** Starts a probe of every running guest with something to ask that is not being probed already. */
    void probeAll() {
        Map<PartitionName, ReadinessSpec> wanted = readiness;
        for (WorkerStatus status : hypervisor.observe()) {
            boolean heartbeat = status.config().hasAgentChannel() && status.config().integration().heartbeat();
            ReadinessSpec spec = wanted.get(status.name());
            boolean guestChecks = spec != null && spec.probesGuest();
            if (status.state() == VmState.RUNNING && (heartbeat || guestChecks)
                    && probing.putIfAbsent(status.name(), Boolean.TRUE) == null) {
                threads.execute(() -> probe(status, heartbeat, guestChecks ? spec : null));
            }
        }
    }

    private void probe(WorkerStatus status, boolean heartbeat, ReadinessSpec spec) {
        PartitionName name = status.name();
        PartitionLocks.Held held = handles.tryHold(name);
        if (held == null) {
            // An apply is working on this worker; the next round probes.
            probing.remove(name);
            return;
        }
        try (held) {
            Worker worker = hypervisor.worker(name).orElseThrow(() -> new IllegalStateException("gone"));
            if (heartbeat) {
                try {
                    worker.probeGuest();
                } catch (HypervisorException e) {
                    // A booting guest does not answer yet; status shows the missing heartbeat.
                    LOG.debugf("probe %s: %s", name, e.getMessage());
                }
            }
            if (spec != null) {
                checks.put(name, checkGuest(worker, status.startedAt(), spec));
            }
        } catch (HypervisorException | IllegalStateException e) {
            // A deleted worker is gone; its checks go with it at the next revision.
            LOG.debugf("probe %s: %s", name, e.getMessage());
        } finally {
            probing.remove(name);
        }
    }

    private Readiness.GuestChecks checkGuest(Worker worker, Instant startedAt, ReadinessSpec spec) throws HypervisorException {
        boolean answered = spec.tcpPort().isEmpty() || worker.guestPortAnswers(spec.tcpPort().getAsInt(), TCP_TIMEOUT);
        String execProblem = null;
        if (!spec.exec().isEmpty()) {
            try {
                int exit = worker.execInGuest(spec.exec(), EXEC_TIMEOUT);
                execProblem = exit == 0 ? null : "exited " + exit;
            } catch (HypervisorException e) {
                execProblem = "failed: " + e.getMessage();
            }
        }
        return new Readiness.GuestChecks(startedAt, spec, answered, execProblem, clock.instant());
    }
}
