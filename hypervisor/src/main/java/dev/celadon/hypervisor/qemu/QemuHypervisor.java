package dev.celadon.hypervisor.qemu;

import dev.celadon.hypervisor.Accel;
import dev.celadon.hypervisor.HostResources;
import dev.celadon.hypervisor.Hypervisor;
import dev.celadon.hypervisor.HypervisorException;
import dev.celadon.hypervisor.PartitionName;
import dev.celadon.hypervisor.VmConfig;
import dev.celadon.hypervisor.Worker;
import dev.celadon.hypervisor.WorkerBusyException;
import dev.celadon.hypervisor.WorkerControlException;
import dev.celadon.hypervisor.WorkerLaunchException;
import dev.celadon.hypervisor.WorkerStatus;
import dev.celadon.hypervisor.qemu.qmp.QmpException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * The QEMU implementation of the {@link Hypervisor} SPI: one detached {@code qemu-system-x86_64}
 * per partition, supervised over QMP the way libvirt does it. See the package description for the
 * worker lifecycle.
 *
 * <pre>{@code
 * QemuSettings settings = QemuSettings.defaults(stateDir, List.of(imagesDir)).withAccel(AccelChoice.parse("auto"));
 * try (Hypervisor hypervisor = new QemuHypervisor(settings)) { ... }
 * }</pre>
 */
public final class QemuHypervisor implements Hypervisor {

    private static final Logger LOG = Logger.getLogger(QemuHypervisor.class);
    private static final String PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private final QemuSettings settings;
    private final HostPaths host;
    private final AccelDecision accel;
    private final Processes processes;
    private final RecordStore store;
    private final ConfigResolver resolver;
    private final DiskPreparer diskPreparer;
    private final Map<PartitionName, QemuWorker> workers = new ConcurrentHashMap<>();
    private final Map<PartitionName, Object> startLocks = new ConcurrentHashMap<>();

    public QemuHypervisor(QemuSettings settings) {
        this(settings, HostPaths.SYSTEM);
    }

    /** With the host's kernel interfaces somewhere else: for tests of detection and VFIO checks. */
    public QemuHypervisor(QemuSettings settings, HostPaths host) {
        this.settings = settings;
        this.host = host;
        this.accel = AccelDecision.decide(settings.accel(), host);
        this.processes = new Processes(host.proc());
        this.store = new RecordStore(settings.stateDir().toAbsolutePath().normalize());
        this.resolver = new ConfigResolver(settings, host);
        this.diskPreparer = new DiskPreparer(settings.qemuImgBinary());
        try {
            Files.createDirectories(settings.stateDir());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the state dir " + settings.stateDir(), e);
        }
        LOG.infof("QEMU hypervisor on %s (%s), state in %s", accel.accel(), accel.reason(), settings.stateDir());
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

    /** The serial console log of a partition's worker (the guest's ttyS0). */
    public Path consoleLog(PartitionName name) {
        return store.paths(name).consoleLog();
    }

    @Override
    public void supervise() {
        observe();
    }

    @Override
    public List<dev.celadon.hypervisor.Incident> incidents() {
        return List.of();
    }

    @Override
    public List<WorkerStatus> observe() {
        List<WorkerStatus> result = new ArrayList<>();
        for (PartitionName name : store.names()) {
            known(name).ifPresent(worker -> result.add(worker.status()));
        }
        result.sort(Comparator.comparing(WorkerStatus::name));
        return result;
    }

    @Override
    public Optional<Worker> worker(PartitionName name) {
        return known(name).map(Worker.class::cast);
    }

    /** The worker of a record, adopting it (without touching the process) when this instance has not seen it yet. */
    private Optional<QemuWorker> known(PartitionName name) {
        QemuWorker existing = workers.get(name);
        if (existing != null) {
            return Optional.of(existing);
        }
        return store.read(name).map(record -> workers.computeIfAbsent(name,
                n -> new QemuWorker(this, n, store.paths(n), record, null)));
    }

    @Override
    public Worker start(VmConfig config) throws HypervisorException {
        PartitionName name = config.name();
        synchronized (startLocks.computeIfAbsent(name, n -> new Object())) {
            Optional<QemuWorker> existing = known(name);
            if (existing.isPresent()) {
                WorkerStatus status = existing.get().status();
                if (status.state().isAlive()) {
                    throw new WorkerBusyException(name, status.state(), "start");
                }
            }
            WorkerPaths paths = store.paths(name);
            for (Path socket : List.of(paths.qmpSocket(), paths.agentSocket())) {
                if (socket.toString().length() > WorkerPaths.MAX_SOCKET_PATH) {
                    throw new WorkerLaunchException(name, "socket path " + socket + " is longer than "
                            + WorkerPaths.MAX_SOCKET_PATH + " bytes: choose a shorter state dir", "", null);
                }
            }
            ResolvedVm vm = resolver.resolve(config, paths);
            diskPreparer.prepare(vm, paths);
            List<String> argv = QemuArgv.build(settings.qemuBinary(), vm, accel.accel(), paths);
            return launch(config, paths, argv);
        }
    }

    private QemuWorker launch(VmConfig config, WorkerPaths paths, List<String> argv) throws HypervisorException {
        PartitionName name = config.name();
        try {
            Files.createDirectories(paths.workerDir());
            Files.deleteIfExists(paths.qmpSocket());
            Files.deleteIfExists(paths.agentSocket());
        } catch (IOException e) {
            throw new WorkerLaunchException(name, "cannot prepare " + paths.workerDir() + ": " + e.getMessage(), "", e);
        }
        List<String> command = new ArrayList<>(argv.size() + 1);
        // setsid: the worker gets its own session, so it outlives this JVM and no signal aimed at our
        // process group or terminal reaches it. Not a group leader yet, setsid execs without forking.
        command.add("setsid");
        command.addAll(argv);
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(paths.workerDir().toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(paths.qemuLog().toFile())
                .redirectErrorStream(true);
        // A clean environment: nothing of ours (tokens, proxies) leaks into the worker.
        builder.environment().clear();
        builder.environment().put("LC_ALL", "C");
        builder.environment().put("PATH", PATH);
        Instant launchedAt = Instant.now();
        long t0 = System.nanoTime();
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new WorkerLaunchException(name, "cannot execute " + settings.qemuBinary() + ": " + e.getMessage(), "", e);
        }
        OptionalLong ticks = processes.startTicks(process.pid());
        WorkerRecord record = new WorkerRecord(WorkerRecord.FORMAT, name.value(), process.pid(), ticks.orElse(0),
                launchedAt.toString(), accel.accel().name(), VmConfigJson.hash(config), VmConfigJson.toJson(config),
                config.memoryBytes(), paths.qmpSocket().toString(), paths.agentSocket().toString(),
                paths.consoleLog().toString(), false, null, null);
        // Known before it is recorded: observation that finds the record must find this launching worker,
        // not adopt a copy of its own that would open a second QMP connection.
        QemuWorker worker = new QemuWorker(this, name, paths, record, process);
        workers.put(name, worker);
        try {
            // Recorded before anything else can fail, so a crash of ours from here on leaves a findable worker.
            store.write(record);
            awaitQmp(worker, process, paths);
            long qmpReady = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            worker.boot();
            LOG.infof("%s: worker %d running on %s; QMP ready %d ms after launch", name, process.pid(), accel.accel(), qmpReady);
            return worker;
        } catch (WorkerLaunchException e) {
            abandon(worker, process);
            throw e;
        } catch (QmpException e) {
            abandon(worker, process);
            throw new WorkerLaunchException(name, "QMP: " + e.getMessage(), worker.qemuLogTail().orElse(""), e);
        } catch (UncheckedIOException e) {
            // An unrecorded worker could never be found again: none may keep running.
            abandon(worker, process);
            throw new WorkerLaunchException(name, e.getMessage(), "", e);
        }
    }

    /**
     * QEMU opens QMP some 50 ms after launch: poll every millisecond while that is likely (a fixed
     * 20 ms pause cost ~10 ms per start, see benchmarks/RESULTS.md), then every 20 ms.
     */
    static long qmpPollPause(long waitedNanos) {
        return waitedNanos < TimeUnit.MILLISECONDS.toNanos(500) ? 1 : 20;
    }

    private void awaitQmp(QemuWorker worker, Process process, WorkerPaths paths) throws WorkerLaunchException {
        long started = System.nanoTime();
        long deadline = started + settings.launchTimeout().toNanos();
        while (true) {
            if (!process.isAlive()) {
                waitQuietly(process);
                throw new WorkerLaunchException(worker.name(), settings.qemuBinary() + " exited with code "
                        + process.exitValue() + " before opening QMP", worker.qemuLogTail().orElse(""), null);
            }
            if (Files.exists(paths.qmpSocket())) {
                try {
                    worker.connect();
                    return;
                } catch (QmpException e) {
                    LOG.debugf("%s: QMP not ready yet: %s", worker.name(), e.getMessage());
                }
            }
            if (System.nanoTime() > deadline) {
                throw new WorkerLaunchException(worker.name(), "QMP socket not ready within "
                        + settings.launchTimeout().toSeconds() + " s", worker.qemuLogTail().orElse(""), null);
            }
            try {
                Thread.sleep(qmpPollPause(System.nanoTime() - started));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new WorkerLaunchException(worker.name(), "interrupted while waiting for QMP", "", e);
            }
        }
    }

    /** A launch that failed: no process and no record may remain (the qemu.log stays for a human). */
    private void abandon(QemuWorker worker, Process process) {
        worker.detach();
        process.destroyForcibly();
        waitQuietly(process);
        workers.remove(worker.name(), worker);
        store.delete(worker.name());
    }

    private static void waitQuietly(Process process) {
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void delete(PartitionName name, boolean deleteDisks) throws HypervisorException {
        synchronized (startLocks.computeIfAbsent(name, n -> new Object())) {
            Optional<QemuWorker> worker = known(name);
            if (worker.isPresent()) {
                WorkerStatus status = worker.get().status();
                if (status.state().isAlive()) {
                    throw new WorkerBusyException(name, status.state(), "delete");
                }
                worker.get().detach();
                workers.remove(name);
            }
            WorkerPaths paths = store.paths(name);
            try {
                deleteTree(paths.workerDir());
                if (deleteDisks) {
                    deleteTree(paths.disksDir());
                }
            } catch (IOException e) {
                throw new WorkerControlException(name, "delete", e.getMessage(), e);
            }
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
