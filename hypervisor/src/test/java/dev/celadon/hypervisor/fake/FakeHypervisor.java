package dev.celadon.hypervisor.fake;

import dev.celadon.hypervisor.Accel;
import dev.celadon.hypervisor.BootConfig;
import dev.celadon.hypervisor.ConsoleLog;
import dev.celadon.hypervisor.DiskConfig;
import dev.celadon.hypervisor.GuestInfo;
import dev.celadon.hypervisor.GuestProfile;
import dev.celadon.hypervisor.HostResources;
import dev.celadon.hypervisor.Hypervisor;
import dev.celadon.hypervisor.BridgeMissingException;
import dev.celadon.hypervisor.HostFileMissingException;
import dev.celadon.hypervisor.HypervisorException;
import dev.celadon.hypervisor.Incident;
import dev.celadon.hypervisor.InvalidVmConfigException;
import dev.celadon.hypervisor.LiveResources;
import dev.celadon.hypervisor.NetworkConfig;
import dev.celadon.hypervisor.NicInfo;
import dev.celadon.hypervisor.PartitionName;
import dev.celadon.hypervisor.StopInfo;
import dev.celadon.hypervisor.StopReason;
import dev.celadon.hypervisor.VmConfig;
import dev.celadon.hypervisor.VmConfigRules;
import dev.celadon.hypervisor.VmState;
import dev.celadon.hypervisor.Worker;
import dev.celadon.hypervisor.WorkerBusyException;
import dev.celadon.hypervisor.WorkerLaunchException;
import dev.celadon.hypervisor.WorkerStatus;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;

/**
 * An in-memory hypervisor for unit tests of the reconciler: workers are entries in a map, starts
 * succeed at once, and tests can inject crashes and failures. It records every call in
 * {@link #calls()} so tests can assert what was done, e.g. {@code "start web-01"}.
 *
 * <p>It is never kinder than {@code QemuHypervisor}: the contract suite
 * ({@code dev.celadon.hypervisor.contract.HypervisorContract}) runs the same cases against both. So it
 * refuses what QEMU refuses, with the same exception: configs the host cannot satisfy (paths outside the
 * images dirs or not in them, see {@link #setImages}; bad disk and network names; devices not
 * allowed, see {@link #setPassthrough}), disks that would shrink, live changes to a worker that is not
 * running, memory outside (0, maxMemory] or on the legacy profile.
 *
 * <p>Its guests print {@link #bootMessage} on their serial console when their worker starts, and whatever a
 * test has them print ({@link #printToConsole}); the console is kept as QEMU's is (a log and its predecessor,
 * rotated at half of {@code ConsoleLog.KEPT_BYTES}) until the partition is deleted. A running worker's machine
 * is what QEMU's would be: booted with maxMemory (legacy: memory, no balloon), the balloon at the target.
 *
 * <p>The workers, their disks and the host's images are the fake's "state dir": {@link #reopen()} gives
 * a second hypervisor over them, as a reconciler restart gets a second {@code QemuHypervisor} over the
 * same state dir. Calls, incidents and supervision passes belong to each instance.
 */
public final class FakeHypervisor implements Hypervisor {

    /** What outlives one hypervisor instance, like QEMU's state dir and host: workers, disks, images. */
    private static final class State {
        final Clock clock;
        final Map<PartitionName, WorkerRecord> records = new TreeMap<>();
        /** The image disks (overlay, blank) of each partition by disk name, with their virtual sizes; kept until deleted with the partition. */
        final Map<PartitionName, Map<String, Long>> disks = new HashMap<>();
        long pids = 1000;
        /** The files of the images dirs with their virtual sizes; null while every path names an image (of unknown size). */
        Map<String, Long> images;
        Set<String> passthrough = Set.of();
        /** The host's bridges; null while every name is one. */
        Set<String> bridges;
        /** Each partition's serial console: kept across its runs, as QEMU's console.log is, until deleted. */
        final Map<PartitionName, FakeConsole> consoles = new HashMap<>();
        HostResources host = new HostResources(2, 24L << 30);
        /** The guest ports a program in each guest listens on, as a test set them; none by default. */
        final Map<PartitionName, Set<Integer>> openPorts = new HashMap<>();
        /** What a command run in each guest exits with, as a test set it; 0 by default. */
        final Map<PartitionName, Integer> execExits = new HashMap<>();

        State(Clock clock) {
            this.clock = clock;
        }
    }

    /** A console kept as QEMU's capture keeps it: a log and its predecessor, each at most half of what is kept. */
    private static final class FakeConsole {
        private static final int CAP = ConsoleLog.KEPT_BYTES / 2;
        private byte[] previous = new byte[0];
        private final ByteArrayOutputStream current = new ByteArrayOutputStream();

        void print(byte[] data) {
            byte[] kept = data.length > CAP ? Arrays.copyOfRange(data, data.length - CAP, data.length) : data;
            if (current.size() + kept.length > CAP) {
                previous = current.toByteArray();
                current.reset();
            }
            current.writeBytes(kept);
        }

        byte[] tail(int maxBytes) {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            all.writeBytes(previous);
            all.writeBytes(current.toByteArray());
            byte[] bytes = all.toByteArray();
            return bytes.length <= maxBytes ? bytes
                    : ConsoleLog.fromCharacterStart(Arrays.copyOfRange(bytes, bytes.length - maxBytes, bytes.length));
        }
    }

    /** One worker's record: the config it runs with (live memory and grown disks included), its process, its last stop. */
    private static final class WorkerRecord {
        VmConfig config;
        final long pid;
        final Instant startedAt;
        VmState state = VmState.RUNNING;
        Optional<StopInfo> lastStop = Optional.empty();
        GuestInfo guest = GuestInfo.UNKNOWN;

        WorkerRecord(VmConfig config, long pid, Instant startedAt) {
            this.config = config;
            this.pid = pid;
            this.startedAt = startedAt;
        }
    }

    private final State state;
    private final Map<PartitionName, FakeWorker> handles = new HashMap<>();
    private final Map<PartitionName, HypervisorException> nextStartFailures = new HashMap<>();
    private final List<String> calls = new ArrayList<>();
    private final List<PartitionName> disksDeleted = new ArrayList<>();
    private final Map<PartitionName, Incident> incidents = new TreeMap<>();
    private final java.util.concurrent.atomic.AtomicInteger probes = new java.util.concurrent.atomic.AtomicInteger();
    private int supervisions;

    public FakeHypervisor(Clock clock) {
        this(new State(clock));
    }

    public FakeHypervisor() {
        this(Clock.systemUTC());
    }

    private FakeHypervisor(State state) {
        this.state = state;
    }

    /**
     * A second hypervisor over this one's workers, disks and images, as after a reconciler restart; this
     * one may be closed first, and closing either stops nothing. Its calls, incidents and supervision
     * passes start empty.
     */
    public FakeHypervisor reopen() {
        return new FakeHypervisor(state);
    }

    @Override
    public Accel accel() {
        return Accel.TCG;
    }

    @Override
    public HostResources host() {
        synchronized (state) {
            return state.host;
        }
    }

    public void setHost(HostResources host) {
        synchronized (state) {
            state.host = host;
        }
    }

    /**
     * The files in the images dirs, as paths relative to them (e.g. {@code tiny/vmlinuz}), each with its
     * virtual size: what an overlay of size 0 keeps of its base image (0 where it does not matter). Until
     * this is called every relative path names an image, of unknown size.
     */
    public void setImages(Map<String, Long> images) {
        Map<String, Long> normalized = new HashMap<>();
        images.forEach((path, size) -> normalized.put(Path.of(path).normalize().toString(), size));
        synchronized (state) {
            state.images = normalized;
        }
    }

    /**
     * The host block devices (absolute paths) and PCI addresses that exist, are allowed
     * ({@code celadon.passthrough.allowed}) and usable. None until this is called, as in QEMU's defaults.
     */
    public void setPassthrough(Set<String> devicesAndPciAddresses) {
        synchronized (state) {
            state.passthrough = Set.copyOf(devicesAndPciAddresses);
        }
    }

    /** The host bridges that exist: a NIC on any other is {@code BridgeMissing}, as QEMU's taps find. Every name until called. */
    public void setBridges(Set<String> bridges) {
        synchronized (state) {
            state.bridges = Set.copyOf(bridges);
        }
    }

    @Override
    public void supervise() {
        synchronized (state) {
            supervisions++;
        }
    }

    /** How many guest probes were made, on any worker of this instance; they change nothing, so are not calls. */
    public int probes() {
        return probes.get();
    }

    /** How many supervision passes were asked for; apart from {@link #calls()}, which lists what changed things. */
    public int supervisions() {
        synchronized (state) {
            return supervisions;
        }
    }

    @Override
    public List<Incident> incidents() {
        synchronized (state) {
            return List.copyOf(incidents.values());
        }
    }

    /** Supervision found this: as a real one would after repairing a record or stopping an orphan. */
    public void report(Incident incident) {
        synchronized (state) {
            incidents.put(incident.partition(), incident);
        }
    }

    @Override
    public List<WorkerStatus> observe() {
        synchronized (state) {
            return state.records.values().stream().map(FakeHypervisor::status).toList();
        }
    }

    @Override
    public Optional<Worker> worker(PartitionName name) {
        synchronized (state) {
            return Optional.ofNullable(handle(name));
        }
    }

    /** This instance's handle on the partition's current record, as QEMU keeps one per record it knows. */
    private FakeWorker handle(PartitionName name) {
        WorkerRecord record = state.records.get(name);
        if (record == null) {
            return null;
        }
        FakeWorker handle = handles.get(name);
        if (handle == null || handle.record != record) {
            handle = new FakeWorker(name, record);
            handles.put(name, handle);
        }
        return handle;
    }

    /**
     * As QEMU's start: refused while the worker is alive, then the config is checked against the host,
     * the disks are prepared (created, grown, never shrunk), and only then does the launch (or the failure
     * a test injected with {@link #failNextStart}) happen.
     */
    @Override
    public void check(VmConfig config) throws HypervisorException {
        // Not one of calls(): a check changes nothing.
        synchronized (state) {
            validate(config);
            Map<String, Long> disks = state.disks.getOrDefault(config.name(), Map.of());
            for (DiskConfig disk : config.disks()) {
                Long current = disks.get(disk.name());
                if (current != null && disk.sizeBytes() != 0 && disk.sizeBytes() < current) {
                    throw shrinkRefused(config.name(), disk.name(), current);
                }
            }
        }
    }

    @Override
    public Worker start(VmConfig config) throws HypervisorException {
        synchronized (state) {
            PartitionName name = config.name();
            calls.add("start " + name);
            WorkerRecord existing = state.records.get(name);
            if (existing != null && existing.state.isAlive()) {
                throw new WorkerBusyException(name, existing.state, "start");
            }
            validate(config);
            prepareDisks(config);
            HypervisorException failure = nextStartFailures.remove(name);
            if (failure != null) {
                if (failure instanceof WorkerLaunchException) {
                    // QEMU records a launched worker at once and removes the record when it fails to come up:
                    // the record of the partition's previous run is gone with it.
                    state.records.remove(name);
                    handles.remove(name);
                }
                throw failure;
            }
            WorkerRecord record = new WorkerRecord(config, ++state.pids, state.clock.instant());
            state.records.put(name, record);
            console(name).print(bootMessage(name).getBytes(StandardCharsets.UTF_8));
            return handle(name);
        }
    }

    @Override
    public void delete(PartitionName name, boolean deleteDisks) throws HypervisorException {
        synchronized (state) {
            calls.add("delete " + name + (deleteDisks ? " with disks" : ""));
            WorkerRecord record = state.records.get(name);
            if (record != null && record.state.isAlive()) {
                throw new WorkerBusyException(name, record.state, "delete");
            }
            // As QEMU: a partition without a record is deleted all the same (its disks, when asked), quietly.
            state.records.remove(name);
            handles.remove(name);
            incidents.remove(name);
            state.consoles.remove(name);
            if (deleteDisks) {
                state.disks.remove(name);
                disksDeleted.add(name);
            }
        }
    }

    @Override
    public byte[] consoleTail(PartitionName name, int maxBytes) {
        ConsoleLog.checkTailSize(maxBytes);
        synchronized (state) {
            FakeConsole console = state.consoles.get(name);
            return console == null ? new byte[0] : console.tail(maxBytes);
        }
    }

    /** What a fake guest prints on its serial console when its worker starts. */
    public static String bootMessage(PartitionName name) {
        return "fake guest " + name + " booting\r\n";
    }

    /** The partition's guest prints {@code bytes} on its serial console, whatever they are. */
    public void printToConsole(PartitionName name, byte[] bytes) {
        synchronized (state) {
            console(name).print(bytes);
        }
    }

    private FakeConsole console(PartitionName name) {
        return state.consoles.computeIfAbsent(name, n -> new FakeConsole());
    }

    @Override
    public void close() {
        // Nothing to release: the workers stay, for reopen() to find.
    }

    /**
     * The next start of this partition fails with the given exception, once the config has passed the
     * host's checks. A {@link WorkerLaunchException} stands for a worker that was launched and did not
     * come up: as with QEMU, the partition's record (of an earlier run) is gone afterwards.
     */
    public void failNextStart(PartitionName name, HypervisorException failure) {
        synchronized (state) {
            nextStartFailures.put(name, failure);
        }
    }

    /**
     * The worker stops without being asked, for the given reason: as QEMU records it, a failure
     * ({@link StopReason#isFailure()}) is CRASHED, a guest shutdown STOPPED. It keeps its record, as a
     * real dead worker does.
     */
    public void crash(PartitionName name, StopReason reason) {
        synchronized (state) {
            WorkerRecord record = state.records.get(name);
            if (record == null) {
                throw new IllegalArgumentException("no worker " + name);
            }
            record.state = reason.isFailure() ? VmState.CRASHED : VmState.STOPPED;
            record.lastStop = Optional.of(new StopInfo(reason, state.clock.instant(), "injected by test"));
        }
    }

    /** The guest ports a program in the partition's guest answers on from now on (its tcp readiness). */
    public void listen(PartitionName name, Set<Integer> ports) {
        synchronized (state) {
            state.openPorts.put(name, Set.copyOf(ports));
        }
    }

    /** The exit code of commands run in the partition's guest from now on (its exec readiness). */
    public void exitCodeOfExec(PartitionName name, int exitCode) {
        synchronized (state) {
            state.execExits.put(name, exitCode);
        }
    }

    /** A worker started by an earlier reconciler: present before any call, as after a restart. */
    public void adoptRunning(VmConfig config) {
        synchronized (state) {
            Map<String, Long> disks = state.disks.computeIfAbsent(config.name(), n -> new HashMap<>());
            for (DiskConfig disk : config.disks()) {
                if (!(disk.source() instanceof DiskConfig.Passthrough)) {
                    disks.putIfAbsent(disk.name(), initialSize(disk));
                }
            }
            state.records.put(config.name(), new WorkerRecord(config, ++state.pids, state.clock.instant()));
        }
    }

    public List<String> calls() {
        synchronized (state) {
            return List.copyOf(calls);
        }
    }

    public List<PartitionName> disksDeleted() {
        synchronized (state) {
            return List.copyOf(disksDeleted);
        }
    }

    private static WorkerStatus status(WorkerRecord record) {
        boolean alive = record.state.isAlive();
        return new WorkerStatus(record.config.name(), record.state, record.config,
                alive ? OptionalLong.of(record.pid) : OptionalLong.empty(), Accel.TCG, record.startedAt,
                alive ? Optional.empty() : record.lastStop, record.guest, live(record), nics(record.config));
    }

    /** The NICs as QEMU's would be made: a MAC per partition and NIC, a tap for each on a bridge, the profile's model. */
    static List<NicInfo> nics(VmConfig config) {
        return config.networks().stream().map(n -> new NicInfo(n.name(), mac(config.name(), n.name()),
                n.attachment() instanceof NetworkConfig.Bridge
                        ? Optional.of("cd-" + String.format("%012x", (config.name().value() + "/" + n.name()).hashCode() & 0xffffffffL))
                        : Optional.empty(),
                n.effectiveModel(config.profile()))).toList();
    }

    static String mac(PartitionName partition, String nic) {
        int hash = (partition.value() + "/" + nic).hashCode();
        return String.format("02:fa:%02x:%02x:%02x:%02x", hash >>> 24, (hash >>> 16) & 0xff, (hash >>> 8) & 0xff, hash & 0xff);
    }

    /** As QEMU's machine: booted with maxMemory and ballooned to the target, or (legacy) with memory and no balloon. */
    private static Optional<LiveResources> live(WorkerRecord record) {
        if (record.state != VmState.RUNNING && record.state != VmState.PAUSED) {
            return Optional.empty();
        }
        VmConfig config = record.config;
        boolean legacy = config.profile() == GuestProfile.LEGACY;
        return Optional.of(new LiveResources(config.cpus(), legacy ? config.memoryBytes() : config.maxMemoryBytes(),
                legacy ? OptionalLong.empty() : OptionalLong.of(config.memoryBytes())));
    }

    // ---- the host's checks, as QEMU's ConfigResolver makes them ------------------------------------

    /** The same rules of form as QEMU's (the one source), then the host's facts as a test set them. */
    private void validate(VmConfig config) throws HypervisorException {
        VmConfigRules.check(config);
        PartitionName name = config.name();
        if (config.boot() instanceof BootConfig.Kernel kernel) {
            image(name, "boot.kernel", kernel.kernel());
            if (kernel.initrd().isPresent()) {
                image(name, "boot.initrd", kernel.initrd().get());
            }
        }
        for (int i = 0; i < config.disks().size(); i++) {
            String field = "disks[" + i + "]";
            switch (config.disks().get(i).source()) {
                case DiskConfig.Overlay overlay -> image(name, field + ".image", overlay.baseImage());
                // A downloaded base is known as the image "image-cache/SHA256" (a test's image list holds it once "downloaded").
                case DiskConfig.Downloaded downloaded -> image(name, field + ".image", "image-cache/" + downloaded.sha256());
                case DiskConfig.Blank ignored -> { }
                case DiskConfig.Passthrough passthrough -> {
                    if (!state.passthrough.contains(passthrough.devicePath())) {
                        throw new InvalidVmConfigException(name, field + ".passthrough", passthrough.devicePath()
                                + " is not allowed or does not exist on this host");
                    }
                }
            }
        }
        for (int i = 0; i < config.networks().size(); i++) {
            if (config.networks().get(i).attachment() instanceof NetworkConfig.Bridge bridge && state.bridges != null
                    && !state.bridges.contains(bridge.bridge())) {
                throw new BridgeMissingException(name, "networks[" + i + "].bridge", bridge.bridge(),
                        "there is no bridge " + bridge.bridge() + " on this host");
            }
        }
        for (int i = 0; i < config.devices().size(); i++) {
            if (!state.passthrough.contains(config.devices().get(i).value())) {
                throw new InvalidVmConfigException(name, "devices[" + i + "].pci", config.devices().get(i)
                        + " is not allowed or not usable on this host");
            }
        }
    }

    /** Where the images are known: one of them. */
    private void image(PartitionName name, String field, String relative) throws HostFileMissingException {
        if (state.images != null && !state.images.containsKey(Path.of(relative).normalize().toString())) {
            throw new HostFileMissingException(name, field, relative + " not found in the images dirs", List.of());
        }
    }

    private long imageSize(String relative) {
        Long size = state.images == null ? null : state.images.get(Path.of(relative).normalize().toString());
        return size == null ? 0 : size;
    }

    /** The size a new disk gets: what the spec asks, else (an overlay of size 0) its base image's. */
    private long initialSize(DiskConfig disk) {
        if (disk.sizeBytes() > 0) {
            return disk.sizeBytes();
        }
        return disk.source() instanceof DiskConfig.Overlay overlay ? imageSize(overlay.baseImage()) : 0;
    }

    /** As QEMU's DiskPreparer, disk by disk: a new disk is created, a kept one grown to its spec, never shrunk. */
    private void prepareDisks(VmConfig config) throws InvalidVmConfigException {
        Map<String, Long> disks = state.disks.computeIfAbsent(config.name(), n -> new HashMap<>());
        for (DiskConfig disk : config.disks()) {
            if (disk.source() instanceof DiskConfig.Passthrough) {
                continue;
            }
            Long current = disks.get(disk.name());
            if (current == null) {
                disks.put(disk.name(), initialSize(disk));
            } else if (disk.sizeBytes() != 0 && disk.sizeBytes() < current) {
                throw shrinkRefused(config.name(), disk.name(), current);
            } else if (disk.sizeBytes() > current) {
                disks.put(disk.name(), disk.sizeBytes());
            }
        }
    }

    private static InvalidVmConfigException shrinkRefused(PartitionName name, String disk, long currentBytes) {
        return new InvalidVmConfigException(name, "disks." + disk + ".size", "the disk has " + currentBytes
                + " bytes and is never shrunk (its data would be cut off); ask for at least that");
    }

    private final class FakeWorker implements Worker {
        private final PartitionName name;
        private final WorkerRecord record;

        FakeWorker(PartitionName name, WorkerRecord record) {
            this.name = name;
            this.record = record;
        }

        @Override
        public PartitionName name() {
            return name;
        }

        @Override
        public WorkerStatus status() {
            synchronized (state) {
                return FakeHypervisor.status(record);
            }
        }

        @Override
        public void stop(Duration grace) {
            synchronized (state) {
                calls.add("stop " + name);
                if (record.state.isAlive()) {
                    record.state = VmState.STOPPED;
                    record.lastStop = Optional.of(new StopInfo(StopReason.REQUESTED, state.clock.instant(), "stopped by request"));
                }
            }
        }

        /** As QEMU: live changes go to a worker whose CPUs exist, running or paused. */
        private void requireRunning(String operation) throws WorkerBusyException {
            if (record.state != VmState.RUNNING && record.state != VmState.PAUSED) {
                throw new WorkerBusyException(name, record.state, operation);
            }
        }

        @Override
        public void setMemory(long bytes) throws HypervisorException {
            synchronized (state) {
                calls.add("set-memory " + name + " " + bytes);
                VmConfig config = record.config;
                if (config.profile() == GuestProfile.LEGACY) {
                    throw new InvalidVmConfigException(name, "memory", "live memory changes need the balloon, which the legacy profile has not; restart to change memory");
                }
                if (bytes <= 0 || bytes > config.maxMemoryBytes()) {
                    throw new InvalidVmConfigException(name, "memory", bytes + " bytes is not within maxMemory (" + config.maxMemoryBytes() + " bytes)");
                }
                requireRunning("change memory");
                record.config = config.withMemory(bytes);
            }
        }

        @Override
        public void growDisks(List<DiskConfig> disks) throws HypervisorException {
            synchronized (state) {
                calls.add("grow-disks " + name);
                requireRunning("grow disks");
                Map<String, Long> current = state.disks.getOrDefault(name, Map.of());
                Map<String, Long> grow = new LinkedHashMap<>();
                for (DiskConfig disk : disks) {
                    Optional<DiskConfig> running = record.config.disks().stream().filter(d -> d.name().equals(disk.name())).findFirst();
                    if (running.isEmpty() || !running.get().withSize(0).equals(disk.withSize(0))) {
                        throw new InvalidVmConfigException(name, "disks." + disk.name(),
                                "is not a disk of the running machine; adding or replacing a disk needs a restart");
                    }
                    Long size = current.get(disk.name());
                    if (disk.sizeBytes() == 0 || size == null) {
                        continue;
                    }
                    if (disk.sizeBytes() < size) {
                        throw shrinkRefused(name, disk.name(), size);
                    }
                    if (disk.sizeBytes() > size) {
                        grow.put(disk.name(), disk.sizeBytes());
                    }
                }
                state.disks.computeIfAbsent(name, n -> new HashMap<>()).putAll(grow);
                record.config = record.config.withDisks(disks);
            }
        }

        @Override
        public GuestInfo probeGuest() throws HypervisorException {
            probes.incrementAndGet();
            synchronized (state) {
                if (!record.config.hasAgentChannel()) {
                    return GuestInfo.UNKNOWN;
                }
                if (record.state != VmState.RUNNING) {
                    throw new WorkerBusyException(name, record.state, "probe the guest");
                }
                // Each NIC has an address of its own: 10.0.N.15/24 for the N-th.
                List<NicInfo> nics = nics(record.config);
                List<GuestInfo.Interface> interfaces = new ArrayList<>();
                for (int i = 0; i < nics.size(); i++) {
                    interfaces.add(new GuestInfo.Interface(nics.get(i).mac().toUpperCase(java.util.Locale.ROOT),
                            List.of("10.0." + i + ".15/24")));
                }
                record.guest = new GuestInfo(Optional.of(state.clock.instant()), Optional.of("Fake OS"),
                        Optional.of(name.value()), List.of("10.0.2.15"), interfaces);
                return record.guest;
            }
        }

        @Override
        public boolean guestPortAnswers(int guestPort, Duration timeout) {
            synchronized (state) {
                return record.state == VmState.RUNNING && state.openPorts.getOrDefault(name, Set.of()).contains(guestPort);
            }
        }

        @Override
        public int execInGuest(List<String> command, Duration timeout) throws HypervisorException {
            synchronized (state) {
                if (record.state != VmState.RUNNING) {
                    throw new WorkerBusyException(name, record.state, "run a command in the guest");
                }
                return state.execExits.getOrDefault(name, 0);
            }
        }
    }
}
