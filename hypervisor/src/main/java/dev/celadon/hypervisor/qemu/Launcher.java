package dev.celadon.hypervisor.qemu;

import dev.celadon.hypervisor.Accel;
import dev.celadon.hypervisor.GuestProfile;
import dev.celadon.hypervisor.HypervisorException;
import dev.celadon.hypervisor.ImageCache;
import dev.celadon.hypervisor.PartitionName;
import dev.celadon.hypervisor.VmConfig;
import dev.celadon.hypervisor.WorkerLaunchException;
import dev.celadon.hypervisor.qemu.qmp.QmpClient;
import dev.celadon.hypervisor.qemu.qmp.QmpCommand;
import dev.celadon.hypervisor.qemu.qmp.QmpException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * A worker's launch, in libvirt's phases ({@code qemuProcessPrepareDomain}, {@code PrepareHost},
 * {@code Launch}, {@code FinishStartup}): resolve and confine the config, prepare the disks, write the
 * intent record, spawn QEMU paused, record its pid, negotiate QMP, set the balloon target and {@code cont}.
 * A launch that fails at any step leaves no process and no record.
 */
final class Launcher {

    private static final Logger LOG = Logger.getLogger(Launcher.class);
    /** The workers' PATH, where QEMU and swtpm are looked up. */
    static final String PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /** {@code program} where the workers' {@link #PATH} finds it, if it is there. */
    static Optional<Path> onPath(String program) {
        return Stream.of(PATH.split(":")).map(dir -> Path.of(dir, program)).filter(Files::isExecutable).findFirst();
    }

    private final WorkerContext context;
    private final ConfigResolver resolver;
    private final DiskPreparer diskPreparer;
    private final Accel accel;
    private final WorkerIds ids;
    private final WorkerDevices devices;

    Launcher(WorkerContext context, ConfigResolver resolver, DiskPreparer diskPreparer, Accel accel, WorkerIds ids) {
        this.context = context;
        this.resolver = resolver;
        this.diskPreparer = diskPreparer;
        this.accel = accel;
        this.ids = ids;
        this.devices = context.devices();
    }

    /** The launch's first phases as checks alone: the config resolved against the host, kept disks' sizes; nothing created. */
    void check(VmConfig config) throws HypervisorException {
        if (context.settings().isolation().mode() == WorkerIsolation.Mode.USER) {
            devices.grants(config);
        }
        DiskPreparer.checkSizes(resolver.resolve(config, context.store().paths(config.name())));
        context.taps().check(config);
    }

    /**
     * Launches a worker. {@code known} is told of it before its intent record is written, so that
     * observation finds this launching worker rather than adopting a copy of its own; {@code forget} when
     * the launch fails.
     */
    QemuWorker launch(VmConfig config, Consumer<QemuWorker> known, Consumer<QemuWorker> forget) throws HypervisorException {
        PartitionName name = config.name();
        WorkerPaths paths = context.store().paths(name);
        ResolvedVm vm = resolver.resolve(config, paths);
        diskPreparer.prepare(vm, paths);
        WorkerIdentity identity = identity(name, paths);
        List<WorkerDevices.Grant> grants = identity.isolated() ? devices.grants(config) : List.of();
        context.taps().setUp(config, identity);
        WorkerPaths.RunPaths run = paths.newRun();
        List<String> argv = QemuArgv.build(context.settings().qemuBinary(), vm, accel, paths, run);
        try {
            Files.createDirectories(paths.workerDir());
            Files.createDirectories(run.dir());
            writeSeed(config, paths);
            WorkerFiles.grant(identity, paths, run, vm, devices.vfioGroups(config));
        } catch (IOException e) {
            context.taps().tearDown(config);
            throw new WorkerLaunchException(name, "cannot prepare " + paths.workerDir() + ": " + e.getMessage(), "", e);
        }
        long memoryMax = config.maxMemoryBytes() + context.settings().isolation().memoryOverhead();
        WorkerRecord intent = WorkerRecord.launching(name.value(), Instant.now().toString(), accel.name(),
                VmConfigJson.hash(config), VmConfigJson.toJson(config), config.memoryBytes(), run.dir().toString())
                .withIdentity(identity, limits(identity, grants, memoryMax, config.cpuLimitMillicores()));
        QemuWorker worker = QemuWorker.launching(context, name, intent);
        known.accept(worker);
        Process process = null;
        try {
            // Recorded before the spawn: whatever instant this JVM dies at, the next one knows a launch was under way.
            context.store().write(intent);
            long t0 = System.nanoTime();
            if (config.tpm()) {
                startTpm(vm, paths, run, identity);
            }
            process = spawn(name, paths, command(identity, argv, grants.stream().map(WorkerDevices.Grant::gid).toList(),
                    devices.memlock(config), vm, paths, run), paths.qemuLog());
            worker.spawned(process);
            confine(name, identity, process, memoryMax, config.cpuLimitMillicores());
            QmpClient qmp = awaitQmp(worker, process);
            long qmpReady = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            finishStartup(qmp, config, context.settings().commandTimeout());
            worker.launched();
            LOG.infof("%s: worker %d running on %s; QMP ready %d ms after launch", name, process.pid(), accel, qmpReady);
            return worker;
        } catch (WorkerLaunchException e) {
            abandon(worker, process, forget);
            throw e;
        } catch (QmpException e) {
            abandon(worker, process, forget);
            throw new WorkerLaunchException(name, "QMP: " + e.getMessage(), ExitCause.tail(paths.qemuLog()).orElse(""), e);
        } catch (UncheckedIOException e) {
            // An unrecorded worker could never be found again: none may keep running.
            abandon(worker, process, forget);
            throw new WorkerLaunchException(name, e.getMessage(), "", e);
        }
    }

    /**
     * The cloud-init seed, written whole under another name and renamed into place: a QEMU of an earlier
     * launch may still hold the old file open, and no reader ever sees half a seed.
     */
    private static void writeSeed(VmConfig config, WorkerPaths paths) throws IOException {
        if (config.cloudInit().isEmpty()) {
            Files.deleteIfExists(paths.seed());
            return;
        }
        Path partial = paths.seed().resolveSibling(paths.seed().getFileName() + ".partial");
        Files.write(partial, SeedImage.build(config.cloudInit().get()));
        Files.move(partial, paths.seed(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * The partition's account in mode {@code user}, root otherwise. Its earlier one where known (its record's, else
     * the owner of its disks, kept from before), so that its files stay its own.
     */
    private WorkerIdentity identity(PartitionName name, WorkerPaths paths) throws WorkerLaunchException {
        if (context.settings().isolation().mode() == WorkerIsolation.Mode.NONE) {
            return WorkerIdentity.ROOT;
        }
        OptionalInt previous = OptionalInt.empty();
        try {
            previous = context.store().read(name).filter(r -> r.uid() != 0).map(r -> OptionalInt.of(r.uid())).orElse(previous);
        } catch (RecordStore.Unreadable e) {
            // Supervision moves it aside; the disks may still say.
        }
        if (previous.isEmpty() && Files.isDirectory(paths.disksDir())) {
            try {
                int owner = (Integer) Files.getAttribute(paths.disksDir(), "unix:uid");
                previous = owner == 0 ? previous : OptionalInt.of(owner);
            } catch (IOException e) {
                // No owner to keep: a fresh id.
            }
        }
        try {
            return ids.allocate(name, previous);
        } catch (IllegalStateException e) {
            throw new WorkerLaunchException(name, e.getMessage(), "", e); // every id of the range taken
        }
    }

    /**
     * The limits a launch will set, as status shows them, or why there are none; then the device groups given, and
     * whether the worker sees a private view of the file system.
     */
    private String limits(WorkerIdentity identity, List<WorkerDevices.Grant> grants, long memoryMax, int cpuLimitMillicores) {
        if (!identity.isolated()) {
            return "none";
        }
        return context.cgroups().unavailable().map(why -> "limits skipped: " + why)
                .orElse("memory.max " + memoryMax + ", pids.max " + context.settings().isolation().pidsMax()
                        + (cpuLimitMillicores > 0 ? ", cpu.max " + WorkerCgroup.cpuMax(cpuLimitMillicores) : ""))
                + grants.stream().map(grant -> "; " + grant).collect(Collectors.joining())
                + context.root().unavailable().map(why -> "; no private view: " + why).orElse("; private view");
    }

    /** The worker into its cgroup while QEMU is paused, before its guest touches any memory. */
    private void confine(PartitionName name, WorkerIdentity identity, Process process, long memoryMax, int cpuLimitMillicores)
            throws WorkerLaunchException {
        if (!identity.isolated() || context.cgroups().unavailable().isPresent()) {
            return;
        }
        try {
            context.cgroups().apply(name, process.pid(), memoryMax, context.settings().isolation().pidsMax(), cpuLimitMillicores);
        } catch (IOException e) {
            // The kernel's "No such process": QEMU has already exited, and its own words say why.
            if (!process.isAlive()) {
                throw exitedBefore(name, process, "joining its cgroup");
            }
            throw new WorkerLaunchException(name, "cannot set the worker's limits in " + context.cgroups().dir(name) + ": "
                    + e.getMessage(), "", e);
        }
    }

    /** A worker's QEMU gone during its launch, with its exit code and the end of its log. */
    private WorkerLaunchException exitedBefore(PartitionName name, Process process, String step) {
        waitQuietly(process);
        return new WorkerLaunchException(name, context.settings().qemuBinary() + " exited with code " + process.exitValue()
                + " before " + step, ExitCause.tail(context.store().paths(name).qemuLog()).orElse(""), null);
    }

    /**
     * The partition's TPM, before its QEMU, which connects to it at start. Its state dir is made here, with
     * the disks; an abandoned launch's swtpm goes with the run dir ({@link QemuWorker#deleteRunDir}).
     */
    private void startTpm(ResolvedVm vm, WorkerPaths paths, WorkerPaths.RunPaths run, WorkerIdentity identity)
            throws WorkerLaunchException {
        PartitionName name = vm.config().name();
        try {
            // Its own files are 0600 (--tpmstate mode), but its lock file is 0640: the folder keeps everyone else out.
            Files.createDirectories(paths.tpmState(), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            // The worker's, as its disks are: swtpm runs under the same identity as its QEMU.
            identity.own(paths.tpmState(), WorkerFiles.PRIVATE_DIR);
            try (java.nio.file.DirectoryStream<Path> files = Files.newDirectoryStream(paths.tpmState(), Files::isRegularFile)) {
                for (Path file : files) {
                    identity.own(file, WorkerFiles.PRIVATE_FILE);
                }
            }
        } catch (IOException e) {
            throw new WorkerLaunchException(name, "cannot create " + paths.tpmState() + ": " + e.getMessage(), "", e);
        }
        Process swtpm = spawn(name, paths, command(identity, Swtpm.argv(paths, run), List.of(), 0, vm, paths, run),
                paths.tpmLog());
        try {
            if (!Swtpm.awaitSocket(swtpm, run, context.settings().launchTimeout())) {
                throw new WorkerLaunchException(name, Swtpm.BINARY + (swtpm.isAlive() ? " did not open its socket within "
                        + context.settings().launchTimeout().toSeconds() + " s" : " exited before opening its socket"),
                        ExitCause.tail(paths.tpmLog()).orElse(""), null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WorkerLaunchException(name, "interrupted while waiting for " + Swtpm.BINARY, "", e);
        }
    }

    /**
     * {@code argv}, one of the worker's processes, as its identity runs it with the supplementary {@code groups} and
     * {@code memlockBytes} of lockable memory (0: the host's default), and for an isolated worker in its own view of the
     * file system where the host allows one ({@link WorkerRoot}).
     */
    private List<String> command(WorkerIdentity identity, List<String> argv, List<Integer> groups, long memlockBytes,
            ResolvedVm vm, WorkerPaths paths, WorkerPaths.RunPaths run) {
        List<String> command = identity.command(argv, groups, memlockBytes);
        return identity.isolated() ? context.root().command(command, binds(vm, paths, run)) : command;
    }

    /**
     * What a worker's view holds besides the system's files: the images dirs and the download cache read-only
     * (every file a spec may name lies in them, backing files too), the firmware and QEMU where configured
     * elsewhere; its own worker, disks and run dirs; the device nodes it opens.
     */
    private WorkerRoot.Binds binds(ResolvedVm vm, WorkerPaths paths, WorkerPaths.RunPaths run) {
        QemuSettings settings = context.settings();
        List<Path> images = new ArrayList<>(settings.imagesDirs());
        images.addAll(ConfigResolver.realPaths(settings.imagesDirs()));
        images.add(ImageCache.dir(paths.stateDir()));
        WorkerRoot.Binds binds = new WorkerRoot.Binds().readOnly(images)
                .writable(List.of(paths.workerDir(), paths.disksDir(), run.dir()))
                .writable(devices.nodes(vm.config()));
        vm.uefi().ifPresent(uefi -> binds.readOnly(uefi.code()));
        Path qemu = Path.of(settings.qemuBinary());
        if (qemu.isAbsolute()) {
            binds.readOnly(qemu);
        }
        vm.disks().stream().filter(disk -> disk.kind() == ResolvedVm.Disk.Kind.PASSTHROUGH).map(ResolvedVm.Disk::path)
                .forEach(binds::writable);
        return binds.writable(devices.vfioGroups(vm.config()));
    }

    /**
     * Spawns one of a worker's processes (QEMU, swtpm) with its output to {@code log}: the one place where
     * they are given their session, environment and working dir.
     */
    private Process spawn(PartitionName name, WorkerPaths paths, List<String> argv, Path log) throws WorkerLaunchException {
        List<String> command = new ArrayList<>(argv.size() + 1);
        // setsid: the worker gets its own session, so it outlives this JVM and no signal aimed at our
        // process group or terminal reaches it. Not a group leader yet, setsid execs without forking.
        command.add("setsid");
        command.addAll(argv);
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(paths.workerDir().toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(log.toFile())
                .redirectErrorStream(true);
        // A clean environment: nothing of ours (tokens, proxies) leaks into the worker.
        builder.environment().clear();
        builder.environment().put("LC_ALL", "C");
        builder.environment().put("PATH", PATH);
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new WorkerLaunchException(name, "cannot execute " + argv.getFirst() + ": " + e.getMessage(), "", e);
        }
        try {
            context.processes().clearOomScoreAdj(process.pid());
        } catch (IOException e) {
            // Gone already (its launch fails on that), or /proc refused: it stays the OOM killer's choice with us.
            LOG.warnf("%s: cannot set oom_score_adj 0 for %s (pid %d): %s", name, argv.getFirst(), process.pid(), e.getMessage());
        }
        return process;
    }

    /**
     * QEMU opens QMP some 50 ms after launch: poll every millisecond while that is likely (a fixed
     * 20 ms pause cost ~10 ms per start, see benchmarks/RESULTS.md), then every 20 ms.
     */
    static long qmpPollPause(long waitedNanos) {
        return waitedNanos < TimeUnit.MILLISECONDS.toNanos(500) ? 1 : 20;
    }

    private QmpClient awaitQmp(QemuWorker worker, Process process) throws WorkerLaunchException {
        Path qemuLog = context.store().paths(worker.name()).qemuLog();
        Duration timeout = context.settings().launchTimeout();
        long started = System.nanoTime();
        long deadline = started + timeout.toNanos();
        while (true) {
            if (!process.isAlive()) {
                throw exitedBefore(worker.name(), process, "opening QMP");
            }
            if (Files.exists(worker.run().qmpSocket())) {
                try {
                    return worker.connectForLaunch();
                } catch (QmpException e) {
                    LOG.debugf("%s: QMP not ready yet: %s", worker.name(), e.getMessage());
                }
            }
            if (System.nanoTime() > deadline) {
                throw new WorkerLaunchException(worker.name(), "QMP socket not ready within " + timeout.toSeconds() + " s",
                        ExitCause.tail(qemuLog).orElse(""), null);
            }
            try {
                Thread.sleep(qmpPollPause(System.nanoTime() - started));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new WorkerLaunchException(worker.name(), "interrupted while waiting for QMP", "", e);
            }
        }
    }

    /**
     * The last step of a launch, or of one whose launcher stopped before it: the balloon target where
     * memory is below maxMemory (the guest booted with maxMemory), then the CPUs run.
     */
    static void finishStartup(QmpClient qmp, VmConfig config, Duration timeout) throws QmpException {
        if (config.profile() != GuestProfile.LEGACY && config.memoryBytes() < config.maxMemoryBytes()) {
            qmp.execute(new QmpCommand.SetBalloon(config.memoryBytes()), timeout);
        }
        qmp.execute(new QmpCommand.Cont(), timeout);
    }

    /** A launch that failed: no process and no record may remain (the qemu.log stays for a human). */
    private void abandon(QemuWorker worker, Process process, Consumer<QemuWorker> forget) {
        worker.detach();
        if (process != null) {
            process.destroyForcibly();
            waitQuietly(process);
        }
        forget.accept(worker);
        context.taps().tearDown(worker.config());
        if (worker.record().identity().isolated()) {
            WorkerFiles.giveBack(worker.config(), devices.vfioGroups(worker.config()));
        }
        try {
            context.cgroups().remove(worker.name());
        } catch (IOException e) {
            LOG.warnf("%s: cannot remove its cgroup: %s", worker.name(), e.getMessage());
        }
        context.store().delete(worker.name());
        worker.deleteRunDir();
    }

    private static void waitQuietly(Process process) {
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
