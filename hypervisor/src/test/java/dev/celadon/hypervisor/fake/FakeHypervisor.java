package dev.celadon.hypervisor.fake;

import dev.celadon.hypervisor.Accel;
import dev.celadon.hypervisor.DiskConfig;
import dev.celadon.hypervisor.GuestInfo;
import dev.celadon.hypervisor.HostResources;
import dev.celadon.hypervisor.Hypervisor;
import dev.celadon.hypervisor.HypervisorException;
import dev.celadon.hypervisor.Incident;
import dev.celadon.hypervisor.InvalidVmConfigException;
import dev.celadon.hypervisor.PartitionName;
import dev.celadon.hypervisor.StopInfo;
import dev.celadon.hypervisor.StopReason;
import dev.celadon.hypervisor.VmConfig;
import dev.celadon.hypervisor.VmState;
import dev.celadon.hypervisor.Worker;
import dev.celadon.hypervisor.WorkerBusyException;
import dev.celadon.hypervisor.WorkerControlException;
import dev.celadon.hypervisor.WorkerNotFoundException;
import dev.celadon.hypervisor.WorkerStatus;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An in-memory hypervisor for unit tests of the reconciler: workers are entries in a map, starts
 * succeed at once, and tests can inject crashes and failures. It records every call in
 * {@link #calls()} so tests can assert what was done, e.g. {@code "start web-01"}.
 */
public final class FakeHypervisor implements Hypervisor {

    private final Clock clock;
    private final Map<PartitionName, FakeWorker> workers = new TreeMap<>();
    private final Map<PartitionName, HypervisorException> nextStartFailures = new HashMap<>();
    private final List<String> calls = new ArrayList<>();
    private final List<PartitionName> disksDeleted = new ArrayList<>();
    private final Map<PartitionName, Incident> incidents = new TreeMap<>();
    private int supervisions;
    private final AtomicLong pids = new AtomicLong(1000);
    private HostResources host = new HostResources(2, 24L << 30);

    public FakeHypervisor(Clock clock) {
        this.clock = clock;
    }

    public FakeHypervisor() {
        this(Clock.systemUTC());
    }

    @Override
    public Accel accel() {
        return Accel.TCG;
    }

    @Override
    public synchronized HostResources host() {
        return host;
    }

    public synchronized void setHost(HostResources host) {
        this.host = host;
    }

    @Override
    public synchronized void supervise() {
        supervisions++;
    }

    /** How many supervision passes were asked for; apart from {@link #calls()}, which lists what changed things. */
    public synchronized int supervisions() {
        return supervisions;
    }

    @Override
    public synchronized List<Incident> incidents() {
        return List.copyOf(incidents.values());
    }

    /** Supervision found this: as a real one would after repairing a record or stopping an orphan. */
    public synchronized void report(Incident incident) {
        incidents.put(incident.partition(), incident);
    }

    @Override
    public synchronized List<WorkerStatus> observe() {
        return workers.values().stream().map(FakeWorker::status).toList();
    }

    @Override
    public synchronized Optional<Worker> worker(PartitionName name) {
        return Optional.ofNullable(workers.get(name));
    }

    @Override
    public synchronized Worker start(VmConfig config) throws HypervisorException {
        calls.add("start " + config.name());
        FakeWorker existing = workers.get(config.name());
        if (existing != null && existing.state.isAlive()) {
            throw new WorkerBusyException(config.name(), existing.state, "start");
        }
        HypervisorException failure = nextStartFailures.remove(config.name());
        if (failure != null) {
            throw failure;
        }
        FakeWorker worker = new FakeWorker(config, pids.incrementAndGet());
        workers.put(config.name(), worker);
        return worker;
    }

    @Override
    public synchronized void delete(PartitionName name, boolean deleteDisks) throws HypervisorException {
        calls.add("delete " + name + (deleteDisks ? " with disks" : ""));
        FakeWorker worker = workers.get(name);
        if (worker == null) {
            throw new WorkerNotFoundException(name);
        }
        if (worker.state.isAlive()) {
            throw new WorkerBusyException(name, worker.state, "delete");
        }
        workers.remove(name);
        incidents.remove(name);
        if (deleteDisks) {
            disksDeleted.add(name);
        }
    }

    @Override
    public void close() {
        // Nothing to release: fake workers live in this object only.
    }

    /** The next start of this partition fails with the given exception. */
    public synchronized void failNextStart(PartitionName name, HypervisorException failure) {
        nextStartFailures.put(name, failure);
    }

    /** The worker dies as if killed or crashed; it keeps its record, as a real dead worker does. */
    public synchronized void crash(PartitionName name, StopReason reason) {
        FakeWorker worker = workers.get(name);
        worker.state = reason == StopReason.GUEST_SHUTDOWN ? VmState.STOPPED : VmState.CRASHED;
        worker.lastStop = Optional.of(new StopInfo(reason, clock.instant(), "injected by test"));
    }

    /** A worker started by an earlier reconciler: present before any call, as after a restart. */
    public synchronized void adoptRunning(VmConfig config) {
        workers.put(config.name(), new FakeWorker(config, pids.incrementAndGet()));
    }

    public synchronized List<String> calls() {
        return List.copyOf(calls);
    }

    public synchronized List<PartitionName> disksDeleted() {
        return List.copyOf(disksDeleted);
    }

    private final class FakeWorker implements Worker {
        private VmConfig config;
        private final long pid;
        private final java.time.Instant startedAt = clock.instant();
        private VmState state = VmState.RUNNING;
        private Optional<StopInfo> lastStop = Optional.empty();
        private GuestInfo guest = GuestInfo.UNKNOWN;

        FakeWorker(VmConfig config, long pid) {
            this.config = config;
            this.pid = pid;
        }

        @Override
        public PartitionName name() {
            return config.name();
        }

        @Override
        public WorkerStatus status() {
            synchronized (FakeHypervisor.this) {
                return new WorkerStatus(config.name(), state, config,
                        state.isAlive() ? OptionalLong.of(pid) : OptionalLong.empty(),
                        Accel.TCG, startedAt, lastStop, guest);
            }
        }

        @Override
        public void stop(Duration grace) {
            synchronized (FakeHypervisor.this) {
                calls.add("stop " + config.name());
                if (state.isAlive()) {
                    state = VmState.STOPPED;
                    lastStop = Optional.of(new StopInfo(StopReason.REQUESTED, clock.instant(), "stopped by request"));
                }
            }
        }

        @Override
        public void setMemory(long bytes) throws HypervisorException {
            synchronized (FakeHypervisor.this) {
                calls.add("set-memory " + config.name() + " " + bytes);
                if (bytes > config.maxMemoryBytes()) {
                    throw new WorkerControlException(config.name(), "balloon", "above maxMemory", null);
                }
                config = config.withMemory(bytes);
            }
        }

        @Override
        public void growDisks(List<DiskConfig> disks) throws HypervisorException {
            synchronized (FakeHypervisor.this) {
                calls.add("grow-disks " + config.name());
                for (DiskConfig disk : disks) {
                    long size = config.disks().stream().filter(d -> d.name().equals(disk.name()))
                            .mapToLong(DiskConfig::sizeBytes).findFirst().orElse(0);
                    if (disk.sizeBytes() < size) {
                        throw new InvalidVmConfigException(config.name(), "disks." + disk.name() + ".size", "never shrunk");
                    }
                }
                config = config.withDisks(disks);
            }
        }

        @Override
        public GuestInfo probeGuest() {
            synchronized (FakeHypervisor.this) {
                guest = new GuestInfo(Optional.of(clock.instant()), Optional.of("Fake OS"),
                        Optional.of(config.name().value()), List.of("10.0.2.15"));
                return guest;
            }
        }
    }
}
