/**
 * The QEMU implementation of the hypervisor SPI: {@link dev.celadon.hypervisor.qemu.QemuHypervisor},
 * configured by {@link dev.celadon.hypervisor.qemu.QemuSettings}. One {@code qemu-system-x86_64}
 * process (the worker) per partition, supervised the way libvirt supervises its domains, in libvirt's
 * pieces ({@code qemuProcessLaunch}, {@code qemuProcessStop}, {@code qemuProcessReconnectAll}):
 *
 * <ul>
 *   <li>{@code QemuHypervisor}: the set of workers, start and delete, and supervision (reconnect, adopt,
 *       repair);</li>
 *   <li>{@code Launcher}: one launch, prepare → spawn → QMP → finish startup;</li>
 *   <li>{@code QemuWorker}: one launch's handle: its record, its QMP connection, observation (reads only)
 *       and supervision (acts);</li>
 *   <li>{@code StopSequence}: agent shutdown → ACPI → quit → SIGTERM → SIGKILL, for a worker or an orphan;</li>
 *   <li>{@code GuestIntegration}: the guest agent's services, apart from process supervision;</li>
 *   <li>{@code WorkerPhase} and {@code WorkerRecord}: the worker's life as data, with a table of moves;</li>
 *   <li>{@code WorkerScan}: our workers in /proc by their marker; {@code ConsoleCapture}: the bounded console;
 *       {@code qmp.QmpCommand}: every QMP command as a type.</li>
 * </ul>
 *
 * <p>Files, under the state dir: {@code workers/NAME/} holds the runtime record ({@code worker.json}), QEMU's
 * pid file ({@code qemu.pid}), the serial console ({@code console.log} and {@code console.log.1}, each at most
 * 1 MiB) and QEMU's own output ({@code qemu.log}); {@code run/ID/} holds one launch's QMP, agent and console
 * sockets (a short random ID: socket paths fit whatever the name, and no other launch's QEMU, exiting, can
 * remove them); {@code disks/NAME/} holds the qcow2 overlays, blank disks and UEFI variables, which outlive
 * the worker. A worker opens nothing but these, the images dirs and allowed devices.
 *
 * <p>A launch ({@code Launcher}):
 * <ol>
 *   <li><b>Resolve.</b> Every path of the {@link dev.celadon.hypervisor.VmConfig} is resolved to its
 *       real path and confined to the images dirs, and so is every file named by a base image's (or
 *       kept disk's) qcow2 headers, read in Java: backing files and external data files. Pass-through
 *       devices must be allowed and usable (the VFIO IOMMU group is checked). Refusals are
 *       {@code InvalidVmConfigException}s naming the spec field; nothing has been created yet.</li>
 *   <li><b>Prepare disks</b> with qemu-img where they do not exist: overlays over the base image by its
 *       absolute path, blank disks. Existing disks are kept: they are the partition's data.</li>
 *   <li><b>Taps</b> ({@code Taps}): each NIC on a bridge gets a persistent tap of a stable name, made with
 *       iproute2, a port of its bridge (its VLAN as PVID), up; QEMU opens it by name, so it may spawn nothing.
 *       A bridge that is not there is {@code BridgeMissingException}; nothing has been created.</li>
 *   <li><b>Intent.</b> The record is written in phase LAUNCHING with no pid, naming the run dir, before
 *       anything runs: whatever instant the reconciler dies at from here on, the next one knows.</li>
 *   <li><b>Spawn</b> the pure argv ({@code QemuArgv}) through {@code setsid}, in its own session, with
 *       a clean environment, {@code -S} (CPUs paused), {@code -no-shutdown}, {@code -pidfile} (QEMU locks it:
 *       a second QEMU of the partition refuses to start) and a QMP socket. The pid and its start time
 *       (/proc/PID/stat) are recorded at once.</li>
 *   <li><b>Negotiate</b> QMP (greeting, {@code qmp_capabilities}) and attach the console capture. Until
 *       {@code cont}, the launcher alone talks to the worker: QEMU serves one QMP client at a time, so
 *       observation reports STARTING and supervision leaves it alone.</li>
 *   <li><b>Finish startup:</b> the balloon target when memory is below maxMemory, then {@code cont}; the
 *       record moves to RUNNING. If QEMU exits or QMP fails first, the process is killed, the record removed
 *       and a {@code WorkerLaunchException} carries QEMU's own words.</li>
 * </ol>
 *
 * <p>Observation ({@code observe}, {@code Worker.status}) only reads: a record's worker is alive only if its
 * pid runs with the recorded start time (a reused pid is a stranger, never signalled); then QMP
 * {@code query-status} tells running, paused or starting. A second {@code QemuHypervisor} adopts live
 * workers by reconnecting to their QMP sockets: nothing is restarted. {@code close()} only releases the
 * connections.
 *
 * <p>Supervision ({@code supervise}, once per reconcile pass; a worker's own part also at once on a QMP event
 * or the process's exit):
 * <ol>
 *   <li><b>Scan</b> /proc for our workers by their marker, the pid file path in their command line.</li>
 *   <li><b>Quarantine.</b> An unreadable record is moved aside ({@code worker.json.unreadable-MILLIS}) and
 *       reported as an incident of that partition; every other partition goes on.</li>
 *   <li><b>Interrupted launch.</b> An intent without a pid is given the QEMU found with its run dir (adopted,
 *       reported); with none found, no QEMU ran, and the intent goes as a failed launch's record does. A worker
 *       still in {@code prelaunch} lost its launcher before {@code cont}: its launch is finished.</li>
 *   <li><b>Orphans.</b> A QEMU with our marker that no record accounts for is stopped in the background,
 *       gracefully (its guest asked first), and reported; its partition cannot start meanwhile. So there is
 *       never more than one QEMU per partition.</li>
 *   <li><b>Guest stops on its own.</b> Thanks to {@code -no-shutdown} QEMU stays up when the guest powers
 *       off or panics; the SHUTDOWN / GUEST_PANICKED event (or a status of {@code shutdown} /
 *       {@code guest-panicked} seen later) is recorded (phase ENDING) as GUEST_SHUTDOWN / GUEST_PANICKED, a
 *       panic outranking the shutdown that follows it, then the worker is told to {@code quit}.</li>
 *   <li><b>Death.</b> A worker that is gone is recorded (phase EXITED): its ending's reason if it had one,
 *       else a crash, killed by a signal (WORKER_KILLED, signal named) or exited (WORKER_EXITED, code and
 *       QEMU's last words) when this JVM launched it; for an adopted worker the exit status is unknowable and
 *       the detail says so. The pid is dropped so it is never signalled again; the run dir and the taps go
 *       (removed before the record says so: a reconciler dying in between removes them at the next pass).</li>
 *   <li><b>Console.</b> A live worker's console socket is read into its capped log.</li>
 * </ol>
 *
 * <p>A stop on request ({@code StopSequence}): the record moves to ENDING with reason REQUESTED first, so
 * whatever ends the process is attributed to us. Then the agent's guest-shutdown (integration shutdown),
 * else ACPI {@code system_powerdown}; after the grace period (or as soon as the guest is off) QMP
 * {@code quit}, then SIGTERM, then SIGKILL, each given a few seconds, each step added to the recorded
 * detail. A stop whose reconciler died midway is ended by the next one's supervision with {@code quit}.
 *
 * <p>Delete removes the record and worker dir, and the disks when asked; only for a worker that is not
 * alive.
 */
package dev.celadon.hypervisor.qemu;
