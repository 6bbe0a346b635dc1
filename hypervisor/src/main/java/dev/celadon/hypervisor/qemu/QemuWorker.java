package dev.celadon.hypervisor.qemu;

import dev.celadon.hypervisor.Accel;
import dev.celadon.hypervisor.DiskConfig;
import dev.celadon.hypervisor.GuestInfo;
import dev.celadon.hypervisor.GuestProfile;
import dev.celadon.hypervisor.HypervisorException;
import dev.celadon.hypervisor.InvalidVmConfigException;
import dev.celadon.hypervisor.LiveResources;
import dev.celadon.hypervisor.NetworkConfig;
import dev.celadon.hypervisor.NicInfo;
import dev.celadon.hypervisor.PartitionName;
import dev.celadon.hypervisor.StopInfo;
import dev.celadon.hypervisor.StopReason;
import dev.celadon.hypervisor.VmConfig;
import dev.celadon.hypervisor.VmState;
import dev.celadon.hypervisor.Worker;
import dev.celadon.hypervisor.WorkerBusyException;
import dev.celadon.hypervisor.WorkerControlException;
import dev.celadon.hypervisor.WorkerStatus;
import dev.celadon.hypervisor.qemu.qmp.QmpClient;
import dev.celadon.hypervisor.qemu.qmp.QmpCommand;
import dev.celadon.hypervisor.qemu.qmp.QmpEvent;
import dev.celadon.hypervisor.qemu.qmp.QmpException;
import dev.celadon.hypervisor.qemu.qmp.QmpListener;
import dev.celadon.hypervisor.qemu.qmp.RunStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.jboss.logging.Logger;

/**
 * One launch of one partition's worker: its record, its process (a child of this JVM when launched here,
 * else an adopted survivor) and the one QMP connection to it. {@link #status()} only reads;
 * {@link #supervise()} is where what it sees is acted on. See the package description for the lifecycle.
 */
final class QemuWorker implements Worker, QmpListener, StopSequence.Target {

    private static final Logger LOG = Logger.getLogger(QemuWorker.class);
    private static final String INTERRUPTED_STOP = "; the stop was interrupted; quit";

    private final WorkerContext context;
    private final PartitionName name;
    private final WorkerPaths paths;
    private final WorkerPaths.RunPaths run;
    private final GuestIntegration guest;
    private final Object lock = new Object();
    private WorkerRecord record;
    /** The process, when this JVM launched it: only then is its exit status (signal, code) known. */
    private Process child;
    private QmpClient qmp;
    private ConsoleCapture console;
    /**
     * While this JVM's launcher negotiates QMP and boots the CPUs, it alone talks to the worker:
     * QEMU serves one QMP client at a time, and a second connection would sit unanswered until the launch
     * timed out. Observation reports STARTING meanwhile, and supervision leaves the worker alone.
     */
    private volatile boolean launching;
    /** A stop of this JVM's is under way: supervision does not take a REQUESTED ending for an abandoned one. */
    private volatile boolean stopping;
    private volatile boolean guestPoweredOff;
    private volatile boolean detached;

    private QemuWorker(WorkerContext context, PartitionName name, WorkerRecord record, boolean launching) {
        this.context = context;
        this.name = name;
        this.paths = context.store().paths(name);
        this.run = new WorkerPaths.RunPaths(Path.of(record.runDir()));
        this.guest = new GuestIntegration(name, run.agentSocket(), context.settings().agentTimeout());
        this.record = record;
        this.launching = launching;
    }

    /** A launch of this JVM's: the intent record, no process yet. */
    static QemuWorker launching(WorkerContext context, PartitionName name, WorkerRecord intent) {
        return new QemuWorker(context, name, intent, true);
    }

    /** A worker found by its record, as after a reconciler restart; the process is not touched. */
    static QemuWorker adopted(WorkerContext context, PartitionName name, WorkerRecord record) {
        QemuWorker worker = new QemuWorker(context, name, record, false);
        if (record.pid() != 0) {
            worker.superviseOnExit(context.processes().handle(record.pid(), record.startTicks()));
            worker.superviseTpm();
        }
        return worker;
    }

    @Override
    public PartitionName name() {
        return name;
    }

    /** This JVM's launcher owns the worker until {@code cont}. */
    boolean isLaunching() {
        return launching;
    }

    WorkerPaths.RunPaths run() {
        return run;
    }

    WorkerRecord record() {
        synchronized (lock) {
            return record;
        }
    }

    VmConfig config() {
        synchronized (lock) {
            return VmConfigJson.fromJson(record.config()).withMemory(record.memoryTarget());
        }
    }

    // ---- observation: reads only -----------------------------------------------------------------

    @Override
    public WorkerStatus status() {
        synchronized (lock) {
            VmState state = stateLocked();
            VmConfig config = VmConfigJson.fromJson(record.config()).withMemory(record.memoryTarget());
            Optional<StopInfo> lastStop = state.isAlive() ? Optional.empty() : Optional.of(stopInfo(lastStopLocked()));
            OptionalLong pid = state.isAlive() && record.pid() != 0 ? OptionalLong.of(record.pid()) : OptionalLong.empty();
            Optional<LiveResources> live = state == VmState.RUNNING || state == VmState.PAUSED
                    ? liveLocked(config) : Optional.empty();
            return new WorkerStatus(name, state, config, pid, Accel.valueOf(record.accel()), Instant.parse(record.startedAt()),
                    lastStop, guest.last(), live, nics(config), isolation(record));
        }
    }

    /** What status says of the worker's fence: {@code none}, or its uid:gid and limits. */
    static String isolation(WorkerRecord record) {
        if (!record.identity().isolated()) {
            return "none";
        }
        return "user " + record.identity() + "; " + (record.limits() == null ? "no limits" : record.limits());
    }

    /** The NICs as the launch made them: the same derivations as the argv's, so what status shows is what QEMU got. */
    private List<NicInfo> nics(VmConfig config) {
        return config.networks().stream().map(n -> new NicInfo(n.name(), Identity.mac(name, n.name()),
                n.attachment() instanceof NetworkConfig.Bridge ? Optional.of(context.taps().name(name, n.name())) : Optional.empty(),
                n.effectiveModel(config.profile()))).toList();
    }

    /**
     * What the machine has now, as QEMU answers: queries only, like the run state's. Empty when QEMU does not
     * answer; the balloon's size is left out where it cannot say (a legacy guest has no balloon).
     */
    private Optional<LiveResources> liveLocked(VmConfig config) {
        Optional<QmpClient> client = connectLocked();
        if (client.isEmpty()) {
            return Optional.empty();
        }
        Duration timeout = context.settings().commandTimeout();
        try {
            int cpus = client.get().execute(new QmpCommand.QueryCpusFast(), timeout);
            long memory = client.get().execute(new QmpCommand.QueryMemorySizeSummary(), timeout);
            OptionalLong balloon = OptionalLong.empty();
            if (config.profile() != GuestProfile.LEGACY) {
                balloon = OptionalLong.of(client.get().execute(new QmpCommand.QueryBalloon(), timeout));
            }
            return Optional.of(new LiveResources(cpus, memory, balloon));
        } catch (QmpException e) {
            LOG.debugf("%s: cannot read the machine's resources: %s", name, e.getMessage());
            return Optional.empty();
        }
    }

    private VmState stateLocked() {
        if (record.phase() == WorkerPhase.EXITED) {
            return stoppedState(record.lastStop());
        }
        if (record.pid() == 0) {
            // Launching: this JVM's spawn is under way, or supervision will find what became of an earlier one.
            return VmState.STARTING;
        }
        if (!alive()) {
            return stoppedState(lastStopLocked());
        }
        if (record.phase() == WorkerPhase.ENDING) {
            return VmState.STOPPING;
        }
        if (launching) {
            return VmState.STARTING;
        }
        Optional<RunStatus> status = queryStatusLocked();
        if (status.isEmpty()) {
            return alive() ? VmState.STARTING : stoppedState(lastStopLocked());
        }
        return switch (status.get()) {
            case RUNNING -> VmState.RUNNING;
            case PRELAUNCH, INCOMING -> VmState.STARTING;
            case SHUTDOWN, GUEST_PANICKED -> VmState.STOPPING;
            case PAUSED -> VmState.PAUSED;
        };
    }

    /** The stop as recorded, or, for a process gone but not yet recorded, as it will be. */
    private WorkerRecord.Stop lastStopLocked() {
        if (record.phase() == WorkerPhase.EXITED) {
            return record.lastStop();
        }
        if (record.phase() == WorkerPhase.ENDING) {
            return new WorkerRecord.Stop(record.ending().reason(), Instant.now().toString(), record.ending().detail());
        }
        return ExitCause.of(record.pid(), child, context.processes(), paths.qemuLog(), Instant.now(),
                context.cgroups().oomEvents(name));
    }

    private static VmState stoppedState(WorkerRecord.Stop stop) {
        return stop != null && StopReason.valueOf(stop.reason()).isFailure() ? VmState.CRASHED : VmState.STOPPED;
    }

    private Optional<RunStatus> queryStatusLocked() {
        Optional<QmpClient> client = connectLocked();
        if (client.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(client.get().execute(new QmpCommand.QueryStatus(), context.settings().commandTimeout()));
        } catch (QmpException e) {
            LOG.debugf("%s: query-status failed: %s", name, e.getMessage());
            return Optional.empty();
        }
    }

    @Override
    public boolean alive() {
        synchronized (lock) {
            return record.pid() != 0 && context.processes().isAlive(record.pid(), record.startTicks());
        }
    }

    static StopInfo stopInfo(WorkerRecord.Stop stop) {
        return new StopInfo(StopReason.valueOf(stop.reason()), Instant.parse(stop.at()), stop.detail());
    }

    // ---- supervision: the one place where what is seen is acted on --------------------------------

    /**
     * Records an exit, quits a worker whose guest powered off or panicked, finishes a launch whose
     * launcher stopped before {@code cont}, ends a requested stop whose stopper died, and keeps the console
     * captured. Called by the hypervisor's supervision pass, and at once on a QMP event or process exit.
     */
    void supervise() {
        if (detached || launching) {
            return;
        }
        synchronized (lock) {
            if (record.phase() == WorkerPhase.EXITED || record.pid() == 0) {
                return;
            }
            if (!alive()) {
                recordExitLocked();
                return;
            }
            captureConsoleLocked();
            switch (record.phase()) {
                case LAUNCHING, RUNNING -> queryStatusLocked().ifPresent(this::actOnLocked);
                case ENDING -> {
                    if (!record.stopRequested()) {
                        quitLocked("quit after the guest stopped");
                    } else if (!stopping) {
                        // The reconciler that asked for this stop died before it ended; its grace is spent.
                        if (!record.ending().detail().endsWith(INTERRUPTED_STOP)) {
                            noteLocked(record.ending().detail() + INTERRUPTED_STOP);
                        }
                        quitLocked("quit to end an interrupted stop");
                    }
                }
                case EXITED -> { }
            }
        }
    }

    /** The process is gone: record why, once, and forget the pid so it is never signalled again. */
    private void recordExitLocked() {
        WorkerRecord.Stop stop = lastStopLocked();
        LOG.infof("%s: worker %d stopped: %s (%s)", name, record.pid(), stop.reason(), stop.detail());
        // Before the record says EXITED: should this JVM die in between, the next one records the exit again
        // and so removes what is left.
        context.taps().tearDown(VmConfigJson.fromJson(record.config()));
        if (record.identity().isolated()) {
            VmConfig config = VmConfigJson.fromJson(record.config());
            WorkerFiles.giveBack(config, context.devices().vfioGroups(config));
        }
        try {
            context.cgroups().remove(name);
        } catch (IOException e) {
            LOG.warnf("%s: cannot remove its cgroup: %s", name, e.getMessage());
        }
        record = record.exited(stop);
        context.store().write(record);
        closeConnectionsLocked();
        deleteRunDir();
    }

    private void actOnLocked(RunStatus status) {
        switch (status) {
            case PRELAUNCH -> finishInterruptedLaunchLocked();
            case SHUTDOWN -> guestStoppedLocked(StopReason.GUEST_SHUTDOWN, "guest powered off");
            case GUEST_PANICKED -> guestStoppedLocked(StopReason.GUEST_PANICKED, "guest panicked");
            case RUNNING, PAUSED, INCOMING -> launchedLocked();
        }
    }

    /**
     * QEMU still waits for the {@code cont} that ends a launch, and no launch of this JVM is under way:
     * the process that launched the worker stopped in between. Finish its launch, or the partition would
     * stay paused for good while reported as starting.
     */
    private void finishInterruptedLaunchLocked() {
        LOG.infof("%s: worker %d was launched, but its launcher stopped before starting its CPUs; starting them",
                name, record.pid());
        try {
            Launcher.finishStartup(qmp, VmConfigJson.fromJson(record.config()).withMemory(record.memoryTarget()),
                    context.settings().commandTimeout());
            launchedLocked();
        } catch (QmpException e) {
            LOG.warnf("%s: cannot start the CPUs of worker %d: %s", name, record.pid(), e.getMessage());
        }
    }

    /** The CPUs were let run: a launch (this JVM's, or one its launcher left behind) is over. */
    private void launchedLocked() {
        if (record.phase() == WorkerPhase.LAUNCHING) {
            record = record.running();
            context.store().write(record);
        }
    }

    /**
     * The guest powered off or panicked on its own; -no-shutdown kept QEMU up so we could see why.
     * Record the reason, then quit the worker. A requested stop is left to its {@link StopSequence}.
     */
    private void guestStoppedLocked(StopReason reason, String detail) {
        if (record.stopRequested()) {
            return;
        }
        boolean panicOverShutdown = record.ending() != null && reason == StopReason.GUEST_PANICKED
                && record.ending().reason().equals(StopReason.GUEST_SHUTDOWN.name());
        if (record.phase() != WorkerPhase.ENDING || panicOverShutdown) {
            record = record.withEnding(new WorkerRecord.Stop(reason.name(), Instant.now().toString(), detail));
            context.store().write(record);
            LOG.infof("%s: %s; quitting the worker", name, detail);
        }
        quitLocked("quit after the guest stopped");
    }

    private void quitLocked(String why) {
        Optional<QmpClient> client = connectLocked();
        if (client.isEmpty()) {
            return;
        }
        try {
            client.get().execute(new QmpCommand.Quit(), context.settings().commandTimeout());
        } catch (QmpException e) {
            LOG.debugf("%s: %s: %s", name, why, e.getMessage());
        }
    }

    private void captureConsoleLocked() {
        if (console == null && !detached) {
            console = ConsoleCapture.start(run.consoleSocket(), paths.consoleLog(), ConsoleCapture.CAP, name.value());
        }
    }

    private void superviseOnExit(Optional<ProcessHandle> process) {
        // Notice a death as it happens, not only at the next pass. Never for this JVM, which cannot watch itself.
        process.filter(h -> h.pid() != ProcessHandle.current().pid()).ifPresent(h -> h.onExit().thenRun(this::supervise));
    }

    /**
     * A TPM that goes while its QEMU runs leaves the guest without the keys it sealed: the worker is stopped
     * as crashed, so that its restart policy brings both back. swtpm ending after its QEMU is its normal end.
     */
    private void superviseTpm() {
        Swtpm.find(context.processes(), run).ifPresent(swtpm -> swtpm.onExit().thenRun(() -> {
            synchronized (lock) {
                if (!detached && !stopping && record.phase() == WorkerPhase.RUNNING && alive()) {
                    guestStoppedLocked(StopReason.WORKER_EXITED, "its TPM (swtpm " + swtpm.pid() + ") exited");
                }
            }
        }));
    }

    @Override
    public void onEvent(QmpEvent event) {
        switch (event.kind()) {
            case SHUTDOWN -> {
                if (event.data().path("guest").asBoolean()) {
                    guestPoweredOff = true;
                    String reason = event.data().path("reason").asText("");
                    // Off the reader thread: the reaction issues QMP commands whose answers it must read.
                    Thread.ofVirtual().start(() -> guestStopped(reason.equals("guest-panic") ? StopReason.GUEST_PANICKED
                            : StopReason.GUEST_SHUTDOWN, "guest powered off (" + reason + ")"));
                }
            }
            case GUEST_PANICKED -> Thread.ofVirtual().start(() -> guestStopped(StopReason.GUEST_PANICKED,
                    "guest panicked (" + event.data().path("action").asText("") + ")"));
            case BALLOON_CHANGE -> LOG.debugf("%s: balloon now %d bytes", name, event.data().path("actual").asLong());
            case POWERDOWN, RESET, STOP, RESUME -> LOG.debugf("%s: %s", name, event.name());
            case OTHER -> LOG.tracef("%s: event %s", name, event.name());
        }
    }

    private void guestStopped(StopReason reason, String detail) {
        synchronized (lock) {
            if (!detached && record.phase().hasProcess() && alive()) {
                guestStoppedLocked(reason, detail);
            }
        }
    }

    @Override
    public void onDisconnect() {
        if (!detached) {
            LOG.debugf("%s: QMP connection closed", name);
        }
    }

    // ---- launch (for the Launcher) ----------------------------------------------------------------

    /** QEMU runs: recorded with its identity before anything else can fail. */
    void spawned(Process process) {
        synchronized (lock) {
            child = process;
            record = record.spawned(process.pid(), context.processes().startTicks(process.pid()).orElse(0));
            context.store().write(record);
        }
        superviseOnExit(Optional.of(process.toHandle()));
        superviseTpm();
    }

    /** A process found by its marker, whose launcher died before recording it: now this record's. */
    void adoptSpawned(long pid, long startTicks) {
        synchronized (lock) {
            record = record.spawned(pid, startTicks);
            context.store().write(record);
        }
        superviseOnExit(context.processes().handle(pid, startTicks));
        superviseTpm();
    }

    /** The launcher's own connection, outside {@code lock}: the greeting can take seconds on a loaded host. */
    QmpClient connectForLaunch() throws QmpException {
        QmpClient client = QmpClient.connect(run.qmpSocket(), context.settings().commandTimeout(), this);
        synchronized (lock) {
            qmp = client;
            captureConsoleLocked();
        }
        return client;
    }

    /** The launch ended with {@code cont}: observation and supervision take over. */
    void launched() {
        synchronized (lock) {
            launchedLocked();
        }
        launching = false;
    }

    // ---- QMP connection ---------------------------------------------------------------------------

    private Optional<QmpClient> connectLocked() {
        if (qmp != null && qmp.isConnected()) {
            return Optional.of(qmp);
        }
        if (detached || !Files.exists(run.qmpSocket())) {
            return Optional.empty();
        }
        try {
            qmp = QmpClient.connect(run.qmpSocket(), context.settings().commandTimeout(), this);
            LOG.debugf("%s: QMP connected to worker %d", name, record.pid());
            return Optional.of(qmp);
        } catch (QmpException e) {
            LOG.debugf("%s: QMP not reachable: %s", name, e.getMessage());
            return Optional.empty();
        }
    }

    private void closeConnectionsLocked() {
        guest.close();
        if (qmp != null) {
            qmp.close();
            qmp = null;
        }
        if (console != null) {
            console.close();
            console = null;
        }
    }

    /** This launch's sockets and their folder, once its QEMU is gone (QEMU removes what it can itself). */
    void deleteRunDir() {
        try {
            Swtpm.stop(context.processes(), run);
            Files.deleteIfExists(run.qmpSocket());
            Files.deleteIfExists(run.agentSocket());
            Files.deleteIfExists(run.consoleSocket());
            Files.deleteIfExists(run.dir());
        } catch (IOException e) {
            LOG.debugf("%s: cannot remove %s: %s", name, run.dir(), e.getMessage());
        }
    }

    /** Releases the connections and stops acting on the worker; it keeps running. */
    void detach() {
        detached = true;
        synchronized (lock) {
            closeConnectionsLocked();
        }
    }

    // ---- stop -------------------------------------------------------------------------------------

    @Override
    public void stop(Duration grace) throws HypervisorException {
        synchronized (lock) {
            if (!record.phase().hasProcess() || !alive()) {
                if (record.phase().hasProcess() && record.pid() != 0) {
                    recordExitLocked();
                }
                return;
            }
            stopping = true;
            noteLocked("stop requested");
        }
        try {
            boolean gone = new StopSequence(this, context.settings().commandTimeout()).run(grace);
            synchronized (lock) {
                if (gone && record.phase() != WorkerPhase.EXITED) {
                    recordExitLocked();
                }
            }
            if (!gone) {
                throw new WorkerControlException(name, "stop", "worker " + record().pid() + " survived SIGKILL", null);
            }
        } finally {
            stopping = false;
        }
    }

    @Override
    public void note(String detail) {
        synchronized (lock) {
            noteLocked(detail);
        }
    }

    /** The stop is ours whatever ends the process: REQUESTED, with how far it got. */
    private void noteLocked(String detail) {
        if (record.phase() == WorkerPhase.EXITED) {
            return;
        }
        record = record.withEnding(new WorkerRecord.Stop(StopReason.REQUESTED.name(), Instant.now().toString(), detail));
        context.store().write(record);
    }

    @Override
    public Optional<ProcessHandle> process() {
        synchronized (lock) {
            return record.pid() == 0 ? Optional.empty() : context.processes().handle(record.pid(), record.startTicks());
        }
    }

    @Override
    public Optional<QmpClient> qmp() {
        synchronized (lock) {
            return alive() ? connectLocked() : Optional.empty();
        }
    }

    @Override
    public Optional<GuestIntegration> shutdownAgent() {
        VmConfig config = config();
        return config.hasAgentChannel() && config.integration().shutdown() ? Optional.of(guest) : Optional.empty();
    }

    @Override
    public boolean guestPoweredOff() {
        return guestPoweredOff;
    }

    // ---- live changes and guest ------------------------------------------------------------------

    @Override
    public void setMemory(long bytes) throws HypervisorException {
        LiveChanges.setMemory(this, config(), bytes);
    }

    @Override
    public void growDisks(List<DiskConfig> disks) throws HypervisorException {
        LiveChanges.growDisks(this, config(), disks);
    }

    /** Records what a live change made of the worker. */
    void update(java.util.function.UnaryOperator<WorkerRecord> change) {
        synchronized (lock) {
            record = change.apply(record);
            context.store().write(record);
        }
    }

    /** One command on a worker whose guest runs (or is paused); anything else is busy. */
    <R> R execute(QmpCommand<R> command, String operation) throws HypervisorException {
        QmpClient client;
        synchronized (lock) {
            VmState state = stateLocked();
            if (state != VmState.RUNNING && state != VmState.PAUSED) {
                throw new WorkerBusyException(name, state, operation);
            }
            client = qmp;
        }
        try {
            return client.execute(command, context.settings().commandTimeout());
        } catch (QmpException e) {
            throw new WorkerControlException(name, operation, e.getMessage(), e);
        }
    }

    @Override
    public GuestInfo probeGuest() throws HypervisorException {
        VmConfig config = config();
        if (!config.hasAgentChannel()) {
            return GuestInfo.UNKNOWN;
        }
        VmState state = status().state();
        if (state != VmState.RUNNING) {
            throw new WorkerBusyException(name, state, "probe the guest");
        }
        return guest.probe(config);
    }
    @Override
    public boolean guestPortAnswers(int guestPort, Duration timeout) throws HypervisorException {
        VmConfig config = config();
        Optional<NetworkConfig.PortForward> forward = config.networks().stream()
                .map(NetworkConfig::attachment)
                .filter(NetworkConfig.User.class::isInstance).map(NetworkConfig.User.class::cast)
                .flatMap(user -> user.forwards().stream())
                .filter(f -> f.guestPort() == guestPort).findFirst();
        if (forward.isPresent()) {
            return forwardAnswers(forward.get(), timeout);
        }
        WorkerStatus status = status();
        for (NicInfo nic : status.nics()) {
            boolean bridged = config.networks().stream()
                    .anyMatch(n -> n.name().equals(nic.name()) && n.attachment() instanceof NetworkConfig.Bridge);
            for (String address : bridged ? status.guest().addressesOf(nic.mac()) : List.<String>of()) {
                // On a bridge the guest's own TCP stack answers the connect: a connection is its answer.
                if (connects(address.substring(0, address.indexOf('/')), guestPort, timeout)) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Connects to the forward and asks QEMU's user network whether the guest took the connection: QEMU accepts
     * on the host side at once and only then connects to the guest, dropping the connection when the guest
     * refuses it.
     */
    private boolean forwardAnswers(NetworkConfig.PortForward forward, Duration timeout) throws HypervisorException {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (java.net.Socket socket = new java.net.Socket()) {
            socket.connect(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), forward.hostPort()),
                    (int) Math.max(1, timeout.toMillis()));
            while (true) {
                if (Usernet.established(execute(new QmpCommand.InfoUsernet(), "read the user network"), forward.guestPort())) {
                    return true;
                }
                if (System.nanoTime() > deadline) {
                    return false;
                }
                Thread.sleep(100);
            }
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static boolean connects(String address, int port, Duration timeout) {
        try (java.net.Socket socket = new java.net.Socket()) {
            socket.connect(new java.net.InetSocketAddress(address, port), (int) Math.max(1, timeout.toMillis()));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public int execInGuest(List<String> command, Duration timeout) throws HypervisorException {
        VmConfig config = config();
        if (!config.hasAgentChannel()) {
            throw new InvalidVmConfigException(name, "integration", "the guest has no agent channel to run commands through");
        }
        VmState state = status().state();
        if (state != VmState.RUNNING) {
            throw new WorkerBusyException(name, state, "run a command in the guest");
        }
        return guest.exec(command, timeout);
    }
}
