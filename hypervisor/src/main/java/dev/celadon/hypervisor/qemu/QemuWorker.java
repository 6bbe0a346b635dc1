package dev.celadon.hypervisor.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.celadon.hypervisor.Accel;
import dev.celadon.hypervisor.DiskConfig;
import dev.celadon.hypervisor.GuestInfo;
import dev.celadon.hypervisor.GuestAgentException;
import dev.celadon.hypervisor.GuestProfile;
import dev.celadon.hypervisor.HypervisorException;
import dev.celadon.hypervisor.InvalidVmConfigException;
import dev.celadon.hypervisor.PartitionName;
import dev.celadon.hypervisor.StopInfo;
import dev.celadon.hypervisor.StopReason;
import dev.celadon.hypervisor.VmConfig;
import dev.celadon.hypervisor.VmState;
import dev.celadon.hypervisor.Worker;
import dev.celadon.hypervisor.WorkerBusyException;
import dev.celadon.hypervisor.WorkerControlException;
import dev.celadon.hypervisor.WorkerStatus;
import dev.celadon.hypervisor.qemu.agent.AgentException;
import dev.celadon.hypervisor.qemu.agent.GuestAgentConnection;
import dev.celadon.hypervisor.qemu.agent.GuestInterface;
import dev.celadon.hypervisor.qemu.qmp.QmpClient;
import dev.celadon.hypervisor.qemu.qmp.QmpEvent;
import dev.celadon.hypervisor.qemu.qmp.QmpException;
import dev.celadon.hypervisor.qemu.qmp.QmpListener;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.jboss.logging.Logger;

/**
 * One partition's worker: its record, its process (a child of this JVM when launched here, else an
 * adopted survivor), and the QMP connection to it. See the package description for the lifecycle.
 */
final class QemuWorker implements Worker, QmpListener {

    private static final Logger LOG = Logger.getLogger(QemuWorker.class);
    private static final Duration POLL = Duration.ofMillis(200);
    /** How long each escalation step (quit, SIGTERM, SIGKILL) is given to end the process. */
    private static final Duration STEP = Duration.ofSeconds(10);
    private static final int LOG_TAIL = 2000;
    /** How long a guest whose agent answered guest-shutdown with an error may take to power off anyway. */
    private static final Duration AGENT_ERROR_GRACE = Duration.ofSeconds(10);

    private final QemuHypervisor hypervisor;
    private final PartitionName name;
    private final WorkerPaths paths;
    /** The process, when this JVM launched it: only then is its exit status (signal, code) known. */
    private final Process child;
    private final Object lock = new Object();
    private WorkerRecord record;
    private QmpClient qmp;
    private volatile GuestInfo guest = GuestInfo.UNKNOWN;
    private volatile boolean timeSynced;
    private volatile boolean guestPoweredOff;
    private volatile boolean detached;
    /**
     * While the launcher negotiates QMP and boots the CPUs, observation reports STARTING without a
     * connection of its own: QEMU serves one QMP client at a time, so a second connection would sit
     * unanswered until the launch timed out, and observation would hold {@code lock} while it waited.
     */
    private volatile boolean launching;

    QemuWorker(QemuHypervisor hypervisor, PartitionName name, WorkerPaths paths, WorkerRecord record, Process child) {
        this.hypervisor = hypervisor;
        this.name = name;
        this.paths = paths;
        this.record = record;
        this.child = child;
        this.launching = child != null;
        // Notice a death as it happens, not only at the next observation. Only for the recorded process
        // itself: never for a stranger that reused the pid, nor for this JVM (which cannot watch itself).
        Optional<ProcessHandle> handle = child != null ? Optional.of(child.toHandle())
                : hypervisor.processes().handle(record.pid(), record.startTicks());
        handle.filter(h -> h.pid() != ProcessHandle.current().pid())
                .ifPresent(h -> h.onExit().thenRun(this::observeAfterExit));
    }

    @Override
    public PartitionName name() {
        return name;
    }

    VmConfig config() {
        synchronized (lock) {
            return VmConfigJson.fromJson(record.config()).withMemory(record.memoryTarget());
        }
    }

    long pid() {
        synchronized (lock) {
            return record.pid();
        }
    }

    // ---- observation ----------------------------------------------------------------------------

    @Override
    public WorkerStatus status() {
        synchronized (lock) {
            return snapshot(observeLocked());
        }
    }

    private VmState observeLocked() {
        if (record.pid() == 0) {
            return stoppedState();
        }
        if (!alive()) {
            exitedLocked();
            return stoppedState();
        }
        if (record.stopRequested() || record.ending() != null) {
            return VmState.STOPPING;
        }
        if (launching) {
            return VmState.STARTING;
        }
        QmpClient client = connectLocked();
        if (client == null) {
            return VmState.STARTING;
        }
        String status;
        try {
            status = client.execute("query-status", hypervisor.settings().commandTimeout()).path("status").asText();
        } catch (QmpException e) {
            if (!alive()) {
                exitedLocked();
                return stoppedState();
            }
            LOG.debugf("%s: query-status failed: %s", name, e.getMessage());
            return VmState.STARTING;
        }
        return switch (status) {
            case "running" -> VmState.RUNNING;
            case "prelaunch" -> finishInterruptedLaunchLocked();
            case "inmigrate", "restore-vm", "finish-migrate" -> VmState.STARTING;
            case "shutdown" -> {
                guestStoppedLocked(StopReason.GUEST_SHUTDOWN, "guest powered off");
                yield VmState.STOPPING;
            }
            case "guest-panicked" -> {
                guestStoppedLocked(StopReason.GUEST_PANICKED, "guest panicked");
                yield VmState.STOPPING;
            }
            default -> VmState.PAUSED;
        };
    }

    /**
     * QEMU still waits for the {@code cont} that ends a launch, and no launch of this JVM is under way
     * ({@link #launching}): the process that launched the worker stopped in between. Finish its launch,
     * or the partition would stay paused for good while reported as starting.
     */
    private VmState finishInterruptedLaunchLocked() {
        LOG.infof("%s: worker %d was launched, but its launcher stopped before starting its CPUs; starting them", name,
                record.pid());
        try {
            boot();
            return VmState.RUNNING;
        } catch (QmpException e) {
            LOG.warnf("%s: cannot start the CPUs of worker %d: %s", name, record.pid(), e.getMessage());
            return VmState.STARTING;
        }
    }

    private WorkerStatus snapshot(VmState state) {
        VmConfig config = VmConfigJson.fromJson(record.config()).withMemory(record.memoryTarget());
        Optional<StopInfo> lastStop = state.isAlive() ? Optional.empty() : Optional.ofNullable(record.lastStop()).map(QemuWorker::stopInfo);
        OptionalLong pid = record.pid() == 0 ? OptionalLong.empty() : OptionalLong.of(record.pid());
        return new WorkerStatus(name, state, config, pid, Accel.valueOf(record.accel()), Instant.parse(record.startedAt()),
                lastStop, guest);
    }

    private VmState stoppedState() {
        WorkerRecord.Stop stop = record.lastStop();
        return stop != null && StopReason.valueOf(stop.reason()).isFailure() ? VmState.CRASHED : VmState.STOPPED;
    }

    private boolean alive() {
        return hypervisor.processes().isAlive(record.pid(), record.startTicks());
    }

    /** The process is gone: record why, once, and forget the pid so it is never signalled again. */
    private void exitedLocked() {
        WorkerRecord.Stop stop = record.ending() != null
                ? new WorkerRecord.Stop(record.ending().reason(), Instant.now().toString(), record.ending().detail())
                : death();
        LOG.infof("%s: worker %d stopped: %s (%s)", name, record.pid(), stop.reason(), stop.detail());
        record = record.exited(stop);
        if (!detached) {
            // A detached handle belongs to a closed hypervisor or an abandoned launch: the record is not its to write.
            hypervisor.store().write(record);
        }
        closeQmpLocked();
    }

    /** Why a process nobody asked to stop is gone. */
    private WorkerRecord.Stop death() {
        String now = Instant.now().toString();
        long pid = record.pid();
        if (child != null && child.pid() == pid) {
            try {
                if (child.waitFor(STEP.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                    int code = child.exitValue();
                    // Java reports death by signal N as exit value 128 + N.
                    if (code > 128) {
                        return new WorkerRecord.Stop(StopReason.WORKER_KILLED.name(), now,
                                "worker " + pid + " killed by signal " + (code - 128) + signalName(code - 128));
                    }
                    return new WorkerRecord.Stop(StopReason.WORKER_EXITED.name(), now,
                            "worker " + pid + " exited with code " + code + qemuLogTail().map(t -> ": " + t).orElse(""));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (hypervisor.processes().startTicks(pid).isPresent()) {
            return new WorkerRecord.Stop(StopReason.WORKER_EXITED.name(), now, "worker " + pid
                    + " is gone; the pid now belongs to another process (start time differs from the record)");
        }
        return new WorkerRecord.Stop(StopReason.WORKER_EXITED.name(), now, "worker " + pid
                + " is gone; exit status unknown (it was not launched by this process)");
    }

    private static String signalName(int signal) {
        return switch (signal) {
            case 9 -> " (SIGKILL)";
            case 15 -> " (SIGTERM)";
            case 6 -> " (SIGABRT)";
            case 11 -> " (SIGSEGV)";
            case 2 -> " (SIGINT)";
            case 1 -> " (SIGHUP)";
            default -> "";
        };
    }

    Optional<String> qemuLogTail() {
        try {
            String text = Files.readString(paths.qemuLog(), StandardCharsets.UTF_8).strip();
            return text.isEmpty() ? Optional.empty() : Optional.of(text.substring(Math.max(0, text.length() - LOG_TAIL)));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private void observeAfterExit() {
        if (!detached) {
            status();
        }
    }

    // ---- QMP ------------------------------------------------------------------------------------

    private QmpClient connectLocked() {
        if (qmp != null && qmp.isConnected()) {
            return qmp;
        }
        if (detached) {
            return null;
        }
        try {
            qmp = QmpClient.connect(paths.qmpSocket(), hypervisor.settings().commandTimeout(), this);
            LOG.debugf("%s: QMP connected to worker %d", name, record.pid());
            return qmp;
        } catch (QmpException e) {
            LOG.debugf("%s: QMP not reachable: %s", name, e.getMessage());
            return null;
        }
    }

    /**
     * For launch: connects or says why not, without the fallbacks of observation. Outside {@code lock}:
     * the greeting can take seconds on a loaded host, and observation must not wait for it.
     */
    void connect() throws QmpException {
        QmpClient client = QmpClient.connect(paths.qmpSocket(), hypervisor.settings().commandTimeout(), this);
        synchronized (lock) {
            qmp = client;
        }
    }

    /** Sets the balloon target and lets the CPUs run: the last step of a launch, or of an interrupted one. */
    void boot() throws QmpException {
        VmConfig config = config();
        QmpClient client;
        synchronized (lock) {
            client = qmp;
        }
        Duration timeout = hypervisor.settings().commandTimeout();
        if (config.profile() != GuestProfile.LEGACY && config.memoryBytes() < config.maxMemoryBytes()) {
            client.execute("balloon", JsonNodeFactory.instance.objectNode().put("value", config.memoryBytes()), timeout);
        }
        client.execute("cont", timeout);
        launching = false;
    }

    private QmpClient requireQmp(String operation) throws HypervisorException {
        synchronized (lock) {
            VmState state = observeLocked();
            if (state != VmState.RUNNING && state != VmState.PAUSED) {
                throw new WorkerBusyException(name, state, operation);
            }
            return qmp;
        }
    }

    private void closeQmpLocked() {
        if (qmp != null) {
            qmp.close();
            qmp = null;
        }
    }

    /** Releases the connection and stops reacting to the worker; it keeps running. */
    void detach() {
        detached = true;
        synchronized (lock) {
            closeQmpLocked();
        }
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

    @Override
    public void onDisconnect() {
        if (!detached) {
            LOG.debugf("%s: QMP connection closed", name);
        }
    }

    private void guestStopped(StopReason reason, String detail) {
        synchronized (lock) {
            if (record.pid() != 0 && alive()) {
                guestStoppedLocked(reason, detail);
            }
        }
    }

    /**
     * The guest powered off or panicked on its own; -no-shutdown kept QEMU up so we could see why.
     * Record the reason, then quit the worker. A requested stop is left to {@link #stop}, which
     * quits on its own schedule and records its own detail.
     */
    private void guestStoppedLocked(StopReason reason, String detail) {
        if (record.stopRequested()) {
            return;
        }
        boolean panicOverShutdown = record.ending() != null && reason == StopReason.GUEST_PANICKED
                && record.ending().reason().equals(StopReason.GUEST_SHUTDOWN.name());
        if (record.ending() == null || panicOverShutdown) {
            record = record.withEnding(new WorkerRecord.Stop(reason.name(), Instant.now().toString(), detail));
            hypervisor.store().write(record);
            LOG.infof("%s: %s; quitting the worker", name, detail);
        }
        QmpClient client = connectLocked();
        if (client != null) {
            try {
                client.execute("quit", hypervisor.settings().commandTimeout());
            } catch (QmpException e) {
                LOG.debugf("%s: quit after guest stop: %s", name, e.getMessage());
            }
        }
    }

    // ---- stop -----------------------------------------------------------------------------------

    @Override
    public void stop(Duration grace) throws HypervisorException {
        if (!status().state().isAlive()) {
            return;
        }
        VmConfig config = config();
        setStopDetail("stop requested");
        String how = null;
        if (config.hasAgentChannel() && config.integration().shutdown() && agentShutdown()) {
            how = "agent guest-shutdown";
        } else if (acpiPowerdown()) {
            how = "ACPI powerdown";
        }
        if (how != null && awaitPoweredOffOrGone(grace)) {
            setStopDetail("guest powered off after " + how);
        } else {
            setStopDetail((how == null ? "no shutdown request reached the guest" : "guest did not power off within "
                    + grace.toSeconds() + " s of " + how) + "; quit");
        }
        if (!quitAndAwait()) {
            setStopDetail(currentDetail() + "; SIGTERM");
            signalAndAwait(false);
        }
        if (stillAlive()) {
            setStopDetail(currentDetail() + "; SIGKILL");
            signalAndAwait(true);
        }
        WorkerStatus after = status();
        if (after.state().isAlive()) {
            throw new WorkerControlException(name, "stop", "worker " + after.pid() + " survived SIGKILL", null);
        }
    }

    private void setStopDetail(String detail) {
        synchronized (lock) {
            record = record.withStopRequested(new WorkerRecord.Stop(StopReason.REQUESTED.name(), Instant.now().toString(), detail));
            hypervisor.store().write(record);
        }
    }

    private String currentDetail() {
        synchronized (lock) {
            return record.ending() == null ? "" : record.ending().detail();
        }
    }

    /**
     * Asks the agent to power the guest off. An error answer does not prove the guest stays up: qemu-ga
     * reports one when its shutdown helper is killed by the very poweroff it started. So after an
     * error the guest gets a short while to go down before ACPI is tried.
     */
    private boolean agentShutdown() {
        try (GuestAgentConnection agent = GuestAgentConnection.open(paths.agentSocket(), hypervisor.settings().agentTimeout())) {
            agent.shutdown();
            return true;
        } catch (AgentException e) {
            if (e.answered() && awaitPoweredOffOrGone(AGENT_ERROR_GRACE)) {
                return true;
            }
            LOG.infof("%s: agent shutdown failed (%s); falling back to ACPI powerdown", name, e.getMessage());
            return false;
        }
    }

    private boolean acpiPowerdown() {
        QmpClient client;
        synchronized (lock) {
            client = connectLocked();
        }
        if (client == null) {
            return false;
        }
        try {
            client.execute("system_powerdown", hypervisor.settings().commandTimeout());
            return true;
        } catch (QmpException e) {
            LOG.infof("%s: ACPI powerdown failed: %s", name, e.getMessage());
            return false;
        }
    }

    private boolean awaitPoweredOffOrGone(Duration grace) {
        long deadline = System.nanoTime() + grace.toNanos();
        while (System.nanoTime() < deadline) {
            if (guestPoweredOff || !stillAlive() || "shutdown".equals(qemuStatus())) {
                return true;
            }
            sleep(POLL);
        }
        return false;
    }

    private String qemuStatus() {
        QmpClient client;
        synchronized (lock) {
            client = qmp;
        }
        if (client == null) {
            return "";
        }
        try {
            return client.execute("query-status", hypervisor.settings().commandTimeout()).path("status").asText();
        } catch (QmpException e) {
            return "";
        }
    }

    private boolean quitAndAwait() {
        QmpClient client;
        synchronized (lock) {
            client = stillAlive() ? connectLocked() : null;
        }
        if (client != null) {
            try {
                client.execute("quit", hypervisor.settings().commandTimeout());
            } catch (QmpException e) {
                // The answer may be lost as QEMU exits; whether it did is what counts.
                LOG.debugf("%s: quit: %s", name, e.getMessage());
            }
        }
        return awaitGone(STEP);
    }

    private void signalAndAwait(boolean kill) {
        Optional<ProcessHandle> handle;
        synchronized (lock) {
            handle = record.pid() == 0 ? Optional.empty() : hypervisor.processes().handle(record.pid(), record.startTicks());
        }
        handle.ifPresent(h -> {
            if (kill) {
                h.destroyForcibly();
            } else {
                h.destroy();
            }
        });
        awaitGone(STEP);
    }

    private boolean stillAlive() {
        synchronized (lock) {
            return record.pid() != 0 && alive();
        }
    }

    private boolean awaitGone(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (stillAlive()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            sleep(POLL);
        }
        return true;
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- memory and guest -----------------------------------------------------------------------

    @Override
    public void setMemory(long bytes) throws HypervisorException {
        VmConfig config = config();
        if (config.profile() == GuestProfile.LEGACY) {
            throw new InvalidVmConfigException(name, "memory", "live memory changes need the balloon, which the legacy profile has not; restart to change memory");
        }
        if (bytes <= 0 || bytes > config.maxMemoryBytes()) {
            throw new InvalidVmConfigException(name, "memory", bytes + " bytes is not within maxMemory (" + config.maxMemoryBytes() + " bytes)");
        }
        QmpClient client = requireQmp("change memory");
        try {
            client.execute("balloon", JsonNodeFactory.instance.objectNode().put("value", bytes), hypervisor.settings().commandTimeout());
        } catch (QmpException e) {
            throw new WorkerControlException(name, "balloon to " + bytes + " bytes", e.getMessage(), e);
        }
        synchronized (lock) {
            record = record.withMemoryTarget(bytes);
            hypervisor.store().write(record);
        }
    }

    @Override
    public void growDisks(List<DiskConfig> disks) throws HypervisorException {
        VmConfig config = config();
        QmpClient client = requireQmp("grow disks");
        Map<String, Long> current = virtualSizes(client);
        Map<String, Long> grow = new LinkedHashMap<>();
        for (DiskConfig disk : disks) {
            Optional<DiskConfig> running = config.disks().stream().filter(d -> d.name().equals(disk.name())).findFirst();
            if (running.isEmpty() || !running.get().withSize(0).equals(disk.withSize(0))) {
                throw new InvalidVmConfigException(name, "disks." + disk.name(),
                        "is not a disk of the running machine; adding or replacing a disk needs a restart");
            }
            Long size = current.get(QemuArgv.driveNode(disk.name()));
            if (disk.sizeBytes() == 0 || size == null) {
                continue;
            }
            if (disk.sizeBytes() < size) {
                throw DiskPreparer.shrinkRefused(name, disk.name(), size);
            }
            if (disk.sizeBytes() > size) {
                grow.put(disk.name(), disk.sizeBytes());
            }
        }
        for (Map.Entry<String, Long> disk : grow.entrySet()) {
            try {
                client.execute("block_resize", JsonNodeFactory.instance.objectNode()
                        .put("node-name", QemuArgv.driveNode(disk.getKey())).put("size", disk.getValue()),
                        hypervisor.settings().commandTimeout());
            } catch (QmpException e) {
                throw new WorkerControlException(name, "grow disk " + disk.getKey() + " to " + disk.getValue() + " bytes",
                        e.getMessage(), e);
            }
        }
        synchronized (lock) {
            // From the record's own config: config() carries the balloon's live target as its memory.
            VmConfig grown = VmConfigJson.fromJson(record.config()).withDisks(disks);
            record = record.withConfig(VmConfigJson.hash(grown), VmConfigJson.toJson(grown));
            hypervisor.store().write(record);
        }
    }

    /** Each block node's virtual size, by node name, as QEMU sees it now. */
    private Map<String, Long> virtualSizes(QmpClient client) throws HypervisorException {
        try {
            Map<String, Long> sizes = new HashMap<>();
            JsonNode nodes = client.execute("query-named-block-nodes", JsonNodeFactory.instance.objectNode()
                    .put("flat", true), hypervisor.settings().commandTimeout());
            for (JsonNode node : nodes) {
                sizes.put(node.path("node-name").asText(), node.path("image").path("virtual-size").asLong());
            }
            return sizes;
        } catch (QmpException e) {
            throw new WorkerControlException(name, "query the disks", e.getMessage(), e);
        }
    }

    /** The balloon's current size as the guest reports it, for status and tests. */
    long balloonActual() throws HypervisorException {
        QmpClient client = requireQmp("query the balloon");
        try {
            return client.execute("query-balloon", hypervisor.settings().commandTimeout()).path("actual").asLong();
        } catch (QmpException e) {
            throw new WorkerControlException(name, "query-balloon", e.getMessage(), e);
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
        try (GuestAgentConnection agent = GuestAgentConnection.open(paths.agentSocket(), hypervisor.settings().agentTimeout())) {
            agent.ping();
            Instant heartbeat = Instant.now();
            if (config.integration().timeSync() && !timeSynced) {
                agent.setTime(Instant.now());
                timeSynced = true;
            }
            GuestInfo before = guest;
            Optional<String> os = optional(() -> agent.osInfo().describe()).or(before::os);
            Optional<String> hostname = optional(agent::hostname).or(before::hostname);
            List<String> addresses = optional(() -> addresses(agent.interfaces())).orElse(before.addresses());
            guest = new GuestInfo(Optional.of(heartbeat), os, hostname, addresses);
            return guest;
        } catch (AgentException e) {
            throw new GuestAgentException(name, e.command(), e.getMessage(), e);
        }
    }

    private interface AgentCall<T> {
        T call() throws AgentException;
    }

    /** An optional service: the heartbeat counts even where the guest refuses to tell more. */
    private <T> Optional<T> optional(AgentCall<T> call) {
        try {
            return Optional.of(call.call());
        } catch (AgentException e) {
            LOG.debugf("%s: %s", name, e.getMessage());
            return Optional.empty();
        }
    }

    private static List<String> addresses(List<GuestInterface> interfaces) {
        List<String> result = new ArrayList<>();
        for (GuestInterface nic : interfaces) {
            if (!nic.name().equals("lo")) {
                result.addAll(nic.addresses());
            }
        }
        return result;
    }

    static StopInfo stopInfo(WorkerRecord.Stop stop) {
        return new StopInfo(StopReason.valueOf(stop.reason()), Instant.parse(stop.at()), stop.detail());
    }
}
