package dev.celadon.hypervisor.qemu;

import dev.celadon.hypervisor.Accel;
import dev.celadon.hypervisor.ConsoleLog;
import dev.celadon.hypervisor.DiskConfig;
import dev.celadon.hypervisor.HostResources;
import dev.celadon.hypervisor.Hypervisor;
import dev.celadon.hypervisor.HypervisorException;
import dev.celadon.hypervisor.Incident;
import dev.celadon.hypervisor.PartitionName;
import dev.celadon.hypervisor.VmConfig;
import dev.celadon.hypervisor.VmState;
import dev.celadon.hypervisor.Worker;
import dev.celadon.hypervisor.WorkerBusyException;
import dev.celadon.hypervisor.WorkerControlException;
import dev.celadon.hypervisor.WorkerStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * The QEMU implementation of the {@link Hypervisor} SPI: one detached {@code qemu-system-x86_64}
 * per partition, supervised over QMP the way libvirt does it. It owns the set of workers and
 * reconnection ({@link #supervise()}, libvirt's {@code qemuProcessReconnectAll}); a worker's launch is
 * the {@link Launcher}'s, its stop the {@link StopSequence}'s. See the package description.
 *
 * <pre>{@code
 * QemuSettings settings = QemuSettings.defaults(stateDir, List.of(imagesDir)).withAccel(AccelChoice.parse("auto"));
 * try (Hypervisor hypervisor = new QemuHypervisor(settings)) { ... }
 * }</pre>
 */
public final class QemuHypervisor implements Hypervisor {

    private static final Logger LOG = Logger.getLogger(QemuHypervisor.class);

    private final QemuSettings settings;
    private final HostPaths host;
    private final AccelDecision accel;
    private final Processes processes;
    private final RecordStore store;
    private final WorkerContext context;
    private final Launcher launcher;
    private final WorkerScan scan;
    private final WorkerIds ids;
    private final Map<PartitionName, QemuWorker> workers = new ConcurrentHashMap<>();
    private final Map<PartitionName, Object> startLocks = new ConcurrentHashMap<>();
    private final Map<PartitionName, Incident> incidents = new ConcurrentHashMap<>();
    /** How often supervision looks for workers in /proc when nothing asks for it sooner. */
    static final Duration SCAN_INTERVAL = Duration.ofSeconds(30);
    private volatile Instant nextScan = Instant.MIN;
    private volatile boolean rescan;
    /** Orphans being stopped, by pid: at most one stop each, and no start of their partition meanwhile. */
    private final Map<Long, PartitionName> orphansStopping = new ConcurrentHashMap<>();

    public QemuHypervisor(QemuSettings settings) {
        this(settings, HostPaths.SYSTEM);
    }

    /** With the host's kernel interfaces somewhere else: for tests of detection and VFIO checks. */
    public QemuHypervisor(QemuSettings settings, HostPaths host) {
        this(settings, host, new IpTapDevices(host));
    }

    /** With another view of the host's network interfaces: for unit tests of taps without root. */
    QemuHypervisor(QemuSettings settings, HostPaths host, TapDevices tapDevices) {
        Path stateDir = settings.stateDir().toAbsolutePath().normalize();
        int length = stateDir.toString().getBytes(StandardCharsets.UTF_8).length;
        if (length > WorkerPaths.maxStateDirLength()) {
            throw new IllegalArgumentException("the state dir " + stateDir + " is " + length + " bytes long; worker sockets"
                    + " under it fit in a Unix socket address only if it is at most " + WorkerPaths.maxStateDirLength());
        }
        this.settings = settings;
        this.host = host;
        this.accel = AccelDecision.decide(settings.accel(), host);
        this.processes = new Processes(host.proc());
        this.store = new RecordStore(stateDir);
        this.context = new WorkerContext(settings, processes, store, new Taps(stateDir, tapDevices),
                new WorkerCgroup(host.sys().resolve("fs/cgroup")), settings.isolation().mode() == WorkerIsolation.Mode.USER
                        ? WorkerRoot.probe(stateDir.resolve(WorkerRoot.MOUNT_POINT)) : WorkerRoot.off("isolation none"),
                new WorkerDevices(host, accel.accel()));
        this.ids = new WorkerIds(settings.isolation().ids(), WorkerIds.of(store));
        this.launcher = new Launcher(context, new ConfigResolver(settings, host), new DiskPreparer(settings.qemuImgBinary()),
                accel.accel(), ids);
        this.scan = new WorkerScan(host.proc(), stateDir, processes);
        try {
            Files.createDirectories(stateDir);
            if (settings.isolation().mode() == WorkerIsolation.Mode.USER) {
                checkCanIsolate(processes);
                WorkerFiles.prepareStateDir(stateDir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the state dir " + stateDir, e);
        }
        LOG.infof("QEMU hypervisor on %s (%s), state in %s, workers isolated: %s%s", accel.accel(), accel.reason(), stateDir,
                settings.isolation().mode().value(), settings.isolation().mode() == WorkerIsolation.Mode.NONE ? ""
                        : context.cgroups().unavailable().map(why -> " (limits skipped: " + why + ")").orElse(" (cgroup v2 limits)")
                        + context.root().unavailable().map(why -> " (no private view: " + why + ")").orElse(" (private views)"));
    }

    /**
     * Mode {@code user} gives each worker its own account and files: only root can, and setpriv must be there
     * to drop to it. Said at start, not at each launch.
     */
    private static void checkCanIsolate(Processes processes) {
        if (processes.uid(ProcessHandle.current().pid()).orElse(-1) != 0) {
            throw new IllegalArgumentException("celadon.hypervisor.isolation=user: the reconciler must run as root to give"
                    + " each worker its own uid and files; run it as root or set celadon.hypervisor.isolation=none");
        }
        if (Launcher.onPath(WorkerIdentity.SETPRIV).isEmpty()) {
            throw new IllegalArgumentException("celadon.hypervisor.isolation=user: " + WorkerIdentity.SETPRIV + " (util-linux)"
                    + " is not on " + Launcher.PATH + "; install it or set celadon.hypervisor.isolation=none");
        }
    }

    QemuSettings settings() {
        return settings;
    }

    Processes processes() {
        return processes;
    }

    RecordStore store() {
        return store;
    }

    @Override
    public Accel accel() {
        return accel.accel();
    }

    /** The accelerator and why it was chosen, for status. */
    public AccelDecision accelDecision() {
        return accel;
    }

    @Override
    public HostResources host() {
        long memory = 0;
        try (Stream<String> lines = Files.lines(host.proc().resolve("meminfo"))) {
            memory = lines.filter(l -> l.startsWith("MemTotal:"))
                    .map(l -> Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024)
                    .findFirst().orElse(0L);
        } catch (IOException | NumberFormatException e) {
            LOG.warnf("cannot read MemTotal from %s: %s", host.proc().resolve("meminfo"), e.getMessage());
        }
        return new HostResources(Runtime.getRuntime().availableProcessors(), memory);
    }

    /** The serial console log of a partition's worker (the guest's ttyS0), its latest bytes. */
    public Path consoleLog(PartitionName name) {
        return store.paths(name).consoleLog();
    }

    @Override
    public byte[] consoleTail(PartitionName name, int maxBytes) throws HypervisorException {
        ConsoleLog.checkTailSize(maxBytes);
        try {
            return ConsoleCapture.tail(consoleLog(name), maxBytes);
        } catch (IOException e) {
            throw new WorkerControlException(name, "read the console", e.getMessage(), e);
        }
    }

    // ---- supervision: reconnect, adopt, repair ----------------------------------------------------

    @Override
    public void supervise() {
        Instant pass = Instant.now();
        Optional<Map<PartitionName, List<WorkerScan.Found>>> found = scanIfDue(pass);
        Set<PartitionName> names = new TreeSet<>(store.names());
        names.addAll(workers.keySet());
        found.ifPresent(f -> names.addAll(f.keySet()));
        for (PartitionName name : names) {
            try {
                supervise(name, found.map(f -> f.getOrDefault(name, List.of())), pass);
            } catch (RuntimeException e) {
                // One partition's trouble is never every partition's: the next pass tries again.
                LOG.warnf(e, "%s: supervision failed: %s", name, e.getMessage());
            }
        }
    }

    /**
     * The /proc scan, when due: at the first pass, every {@link #SCAN_INTERVAL}, and at once after a pass
     * met what only a scan can settle. Orphans come only from an earlier reconciler or a lost record, so
     * scanning every pass (some milliseconds on a busy host) would buy nothing.
     */
    private Optional<Map<PartitionName, List<WorkerScan.Found>>> scanIfDue(Instant now) {
        if (!rescan && now.isBefore(nextScan)) {
            return Optional.empty();
        }
        rescan = false;
        nextScan = now.plus(SCAN_INTERVAL);
        try {
            return Optional.of(scan.scan());
        } catch (UncheckedIOException e) {
            LOG.warnf("cannot scan for workers: %s", e.getMessage());
            return Optional.empty();
        }
    }

    /** {@code found}: this partition's processes by their marker, when this pass scanned. */
    private void supervise(PartitionName name, Optional<List<WorkerScan.Found>> found, Instant pass) {
        QemuWorker existing = workers.get(name);
        if (existing != null && existing.isLaunching()) {
            return; // this JVM's launcher owns it until cont
        }
        Optional<QemuWorker> worker = known(name, pass);
        List<WorkerScan.Found> strangers = new ArrayList<>(found.orElse(List.of()));
        if (worker.isPresent()) {
            WorkerRecord record = worker.get().record();
            strangers.removeIf(f -> f.pid() == record.pid() && f.startTicks() == record.startTicks());
            if (record.phase() == WorkerPhase.LAUNCHING && record.pid() == 0) {
                if (found.isEmpty()) {
                    rescan = true; // whether its QEMU runs, only a scan can tell: the next pass scans
                    return;
                }
                strangers = resumeInterruptedLaunch(worker.get(), strangers, pass);
                if (!workers.containsKey(name)) {
                    return;
                }
            }
            worker.get().supervise();
        }
        strangers.forEach(orphan -> stopOrphan(orphan, pass));
    }

    /**
     * An intent record without a pid: its launcher died between writing it and recording the spawn. The
     * QEMU it spawned, found by its marker and run dir, is adopted; none means none ran, and the intent
     * goes as a failed launch's record does. Returns the processes still unaccounted for.
     */
    private List<WorkerScan.Found> resumeInterruptedLaunch(QemuWorker worker, List<WorkerScan.Found> found, Instant pass) {
        Path runDir = worker.run().dir();
        int uid = worker.record().uid();
        Optional<WorkerScan.Found> spawned = found.stream().filter(f -> f.runDir().filter(runDir::equals).isPresent())
                .filter(f -> processes.uid(f.pid()).stream().allMatch(u -> u == uid)).findFirst();
        if (spawned.isPresent()) {
            worker.adoptSpawned(spawned.get().pid(), spawned.get().startTicks());
            report(worker.name(), Incident.Reason.ORPHAN_ADOPTED, "worker " + spawned.get().pid()
                    + " was spawned by a reconciler that stopped before recording it; adopted", pass);
            return found.stream().filter(f -> f != spawned.get()).toList();
        }
        LOG.infof("%s: a launch was interrupted before QEMU ran; forgetting it", worker.name());
        workers.remove(worker.name(), worker);
        worker.detach();
        store.delete(worker.name());
        worker.deleteRunDir();
        return found;
    }

    /** A worker of ours that no record accounts for: stopped in the background, never twice at once. */
    private void stopOrphan(WorkerScan.Found found, Instant pass) {
        if (orphansStopping.putIfAbsent(found.pid(), found.partition()) != null) {
            return;
        }
        report(found.partition(), Incident.Reason.ORPHAN_STOPPED, "worker " + found.pid()
                + " ran without a record that accounts for it; stopping it (guest shutdown, then quit)", pass);
        Orphan orphan = new Orphan(found, processes, settings);
        Thread.ofVirtual().name("orphan-stop " + found.partition()).start(() -> {
            try {
                if (!orphan.stop()) {
                    LOG.warnf("%s: orphan worker %d survived SIGKILL", found.partition(), found.pid());
                } else {
                    // Its config is unknown, its taps are found by their alias; no start of the partition meanwhile.
                    context.taps().removeAll(found.partition());
                }
            } finally {
                orphansStopping.remove(found.pid());
            }
        });
    }

    /**
     * Keeps the partition's latest incident. Repairs of one pass are one incident, led by the first: a record
     * moved aside and then its worker stopped is a quarantine that goes on to say what became of the worker.
     */
    private void report(PartitionName name, Incident.Reason reason, String message, Instant pass) {
        LOG.warnf("%s: %s", name, message);
        incidents.merge(name, new Incident(name, reason, message, pass), (earlier, later) -> earlier.at().equals(pass)
                ? new Incident(name, earlier.reason(), earlier.message() + "; " + later.message(), pass) : later);
    }

    @Override
    public List<Incident> incidents() {
        return incidents.values().stream().sorted(Comparator.comparing(Incident::partition)).toList();
    }

    // ---- observation: reads only ------------------------------------------------------------------

    @Override
    public List<WorkerStatus> observe() {
        Set<PartitionName> names = new TreeSet<>(store.names());
        names.addAll(workers.keySet());
        List<WorkerStatus> result = new ArrayList<>();
        for (PartitionName name : names) {
            known(name, null).ifPresent(worker -> result.add(worker.status()));
        }
        return result;
    }

    @Override
    public Optional<Worker> worker(PartitionName name) {
        return known(name, null).map(Worker.class::cast);
    }

    /**
     * The worker of a record, adopted (without touching the process) when this instance has not seen it
     * yet. An unreadable record is moved aside when there is a {@code repair} instant to report it at, else
     * passed over: observation only reads.
     */
    private Optional<QemuWorker> known(PartitionName name, Instant repair) {
        QemuWorker existing = workers.get(name);
        if (existing != null) {
            return Optional.of(existing);
        }
        Optional<WorkerRecord> record;
        try {
            record = store.read(name);
        } catch (RecordStore.Unreadable e) {
            if (repair != null) {
                quarantine(name, e, repair);
            }
            return Optional.empty();
        }
        if (record.isPresent() && !runsAsRecorded(record.get())) {
            if (repair != null) {
                quarantine(name, new RecordStore.Unreadable(store.paths(name).record(), "it says worker " + record.get().pid()
                        + " runs as uid " + record.get().uid() + ", but that process runs as uid "
                        + processes.uid(record.get().pid()).orElse(-1) + "; not adopted", null), repair);
            }
            return Optional.empty();
        }
        return record.map(r -> workers.computeIfAbsent(name, n -> QemuWorker.adopted(context, n, r)));
    }

    /** A live process of the record's pid and start time is its worker only if it runs as the record's uid too. */
    private boolean runsAsRecorded(WorkerRecord record) {
        if (record.pid() == 0 || !processes.isAlive(record.pid(), record.startTicks())) {
            return true;
        }
        return processes.uid(record.pid()).stream().allMatch(uid -> uid == record.uid());
    }

    /** Moves the record aside; its worker, if one runs, is found by its marker and stopped as an orphan. */
    private void quarantine(PartitionName name, RecordStore.Unreadable problem, Instant at) {
        rescan = true; // its worker, if one runs, is now an orphan to find
        try {
            Path aside = store.quarantine(name, at);
            report(name, Incident.Reason.RECORD_QUARANTINED, problem.getMessage() + "; moved to " + aside.getFileName()
                    + " in the worker dir", at);
        } catch (IOException e) {
            LOG.warnf("%s: %s, and it cannot be moved aside: %s", name, problem.getMessage(), e.getMessage());
        }
    }

    // ---- start and delete -------------------------------------------------------------------------

    @Override
    public void check(VmConfig config) throws HypervisorException {
        launcher.check(config);
    }

    /**
     * The host's half of {@link #check} without a hypervisor, for {@code validate --images-dir}: the files
     * and devices a config names, against these images dirs, and the bridges its NICs name; no state dir is
     * read, nothing is created.
     */
    public static void checkHost(VmConfig config, List<Path> imagesDirs, List<String> passthroughAllowed)
            throws HypervisorException {
        QemuSettings settings = QemuSettings.defaults(Path.of("/nonexistent"), imagesDirs)
                .withPassthroughAllowed(passthroughAllowed);
        // Nothing is downloaded here: a disk over an image by URL is checked for its form only (a blank disk
        // of the same name and place stands in, so the other disks' fields keep their indices).
        VmConfig withoutDownloads = config.withDisks(config.disks().stream()
                .map(disk -> disk.source() instanceof DiskConfig.Downloaded
                        ? new DiskConfig(disk.name(), new DiskConfig.Blank(Math.max(1, disk.sizeBytes()))) : disk)
                .toList());
        new ConfigResolver(settings, HostPaths.SYSTEM).resolve(withoutDownloads,
                WorkerPaths.of(settings.stateDir(), config.name()));
        Taps.checkBridges(config, new IpTapDevices(HostPaths.SYSTEM));
    }

    @Override
    public Worker start(VmConfig config) throws HypervisorException {
        PartitionName name = config.name();
        synchronized (startLocks.computeIfAbsent(name, n -> new Object())) {
            if (orphansStopping.containsValue(name)) {
                throw new WorkerBusyException(name, VmState.STOPPING, "start");
            }
            Optional<QemuWorker> existing = known(name, Instant.now());
            if (existing.isPresent()) {
                WorkerStatus status = existing.get().status();
                if (status.state().isAlive()) {
                    throw new WorkerBusyException(name, status.state(), "start");
                }
            }
            return launcher.launch(config, worker -> workers.put(name, worker), worker -> workers.remove(name, worker));
        }
    }

    @Override
    public void delete(PartitionName name, boolean deleteDisks) throws HypervisorException {
        synchronized (startLocks.computeIfAbsent(name, n -> new Object())) {
            Optional<QemuWorker> worker = known(name, Instant.now());
            if (worker.isPresent()) {
                WorkerStatus status = worker.get().status();
                if (status.state().isAlive()) {
                    throw new WorkerBusyException(name, status.state(), "delete");
                }
                worker.get().detach();
                worker.get().deleteRunDir();
                workers.remove(name);
            }
            // Whatever config they came from, with a record or without: nothing of this partition runs.
            context.taps().removeAll(name);
            WorkerPaths paths = store.paths(name);
            try {
                deleteTree(paths.workerDir());
                if (deleteDisks) {
                    deleteTree(paths.disksDir());
                }
            } catch (IOException e) {
                throw new WorkerControlException(name, "delete", e.getMessage(), e);
            }
            incidents.remove(name);
            ids.release(name);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        }
    }

    /** Releases connections; the workers keep running and a later instance adopts them. */
    @Override
    public void close() {
        workers.values().forEach(QemuWorker::detach);
        workers.clear();
    }
}
