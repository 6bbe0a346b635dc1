package dev.celadon.hypervisor.qemu;

import dev.celadon.hypervisor.PartitionName;
import dev.celadon.hypervisor.qemu.qmp.QmpClient;
import dev.celadon.hypervisor.qemu.qmp.QmpEvent;
import dev.celadon.hypervisor.qemu.qmp.QmpException;
import dev.celadon.hypervisor.qemu.qmp.QmpListener;
import java.time.Duration;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * A worker of ours found by its marker without a record that could be adopted (the record was lost or
 * unreadable, or another launch owns the partition now): stopped as gracefully as a recorded one, its
 * guest asked first, since nothing about it says the guest may be cut off.
 */
final class Orphan implements StopSequence.Target, QmpListener {

    private static final Logger LOG = Logger.getLogger(Orphan.class);
    /** An orphan's spec is unknown: the grace of a spec that does not set one. */
    static final Duration GRACE = Duration.ofSeconds(30);

    private final WorkerScan.Found found;
    private final Processes processes;
    private final Duration commandTimeout;
    private final Optional<GuestIntegration> agent;
    private QmpClient qmp;
    private volatile boolean guestPoweredOff;

    Orphan(WorkerScan.Found found, Processes processes, QemuSettings settings) {
        this.found = found;
        this.processes = processes;
        this.commandTimeout = settings.commandTimeout();
        this.agent = found.runDir().map(dir -> new GuestIntegration(found.partition(),
                new WorkerPaths.RunPaths(dir).agentSocket(), settings.agentTimeout()));
    }

    /** Stops it; true when it is gone. Runs on the caller's thread, for as long as the grace and escalation take. */
    boolean stop() {
        try {
            return new StopSequence(this, commandTimeout).run(GRACE);
        } finally {
            synchronized (this) {
                if (qmp != null) {
                    qmp.close();
                }
            }
        }
    }

    @Override
    public PartitionName name() {
        return found.partition();
    }

    @Override
    public boolean alive() {
        return processes.isAlive(found.pid(), found.startTicks());
    }

    @Override
    public Optional<ProcessHandle> process() {
        return processes.handle(found.pid(), found.startTicks());
    }

    @Override
    public synchronized Optional<QmpClient> qmp() {
        if (qmp != null && qmp.isConnected()) {
            return Optional.of(qmp);
        }
        if (found.runDir().isEmpty() || !alive()) {
            return Optional.empty();
        }
        try {
            qmp = QmpClient.connect(new WorkerPaths.RunPaths(found.runDir().get()).qmpSocket(), commandTimeout, this);
            return Optional.of(qmp);
        } catch (QmpException e) {
            LOG.debugf("%s: orphan %d: QMP not reachable: %s", name(), found.pid(), e.getMessage());
            return Optional.empty();
        }
    }

    @Override
    public Optional<GuestIntegration> shutdownAgent() {
        return agent;
    }

    @Override
    public boolean guestPoweredOff() {
        return guestPoweredOff;
    }

    @Override
    public void note(String detail) {
        LOG.infof("%s: stopping orphan worker %d: %s", name(), found.pid(), detail);
    }

    @Override
    public void onEvent(QmpEvent event) {
        if (event.kind() == QmpEvent.Kind.SHUTDOWN) {
            guestPoweredOff = true;
        }
    }

    @Override
    public void onDisconnect() {
        // Whether the orphan is gone is read from /proc, not from its socket.
    }
}
