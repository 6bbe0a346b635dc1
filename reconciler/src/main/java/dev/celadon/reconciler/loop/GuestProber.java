package dev.celadon.reconciler.loop;

import dev.celadon.hypervisor.Hypervisor;
import dev.celadon.hypervisor.HypervisorException;
import dev.celadon.hypervisor.PartitionName;
import dev.celadon.hypervisor.VmState;
import dev.celadon.hypervisor.WorkerStatus;
import org.jboss.logging.Logger;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;

/**
 * The heartbeat integration service: asks each running guest's agent for news, at most one probe per
 * guest at a time and never during an apply to it, each on its own virtual thread because a guest that is still booting may take the
 * whole agent timeout to not answer. The hypervisor keeps what the agent said; status reads it from
 * the worker's observation.
 */
final class GuestProber {

    private static final Logger LOG = Logger.getLogger(GuestProber.class);

    private final Hypervisor hypervisor;
    private final ExecutorService threads;
    private final PartitionLocks handles;
    private final Map<PartitionName, Boolean> probing = new ConcurrentHashMap<>();

    GuestProber(Hypervisor hypervisor, ExecutorService threads, PartitionLocks handles) {
        this.hypervisor = hypervisor;
        this.threads = threads;
        this.handles = handles;
    }

    /** Starts a probe of every running guest that offers a heartbeat and is not being probed already. */
    void probeAll() {
        for (WorkerStatus status : hypervisor.observe()) {
            if (status.state() == VmState.RUNNING && status.config().hasAgentChannel()
                    && status.config().integration().heartbeat()
                    && probing.putIfAbsent(status.name(), Boolean.TRUE) == null) {
                threads.execute(() -> probe(status.name()));
            }
        }
    }

    private void probe(PartitionName name) {
        PartitionLocks.Held held = handles.tryHold(name);
        if (held == null) {
            // An apply is working on this worker; the next round probes.
            probing.remove(name);
            return;
        }
        try (held) {
            hypervisor.worker(name).orElseThrow(() -> new IllegalStateException("gone")).probeGuest();
        } catch (HypervisorException | IllegalStateException e) {
            // A booting guest does not answer yet, a deleted one is gone; status shows the missing heartbeat.
            LOG.debugf("probe %s: %s", name, e.getMessage());
        } finally {
            probing.remove(name);
        }
    }
}
