/**
 * The QEMU implementation of the hypervisor SPI: {@link dev.celadon.hypervisor.qemu.QemuHypervisor},
 * configured by {@link dev.celadon.hypervisor.qemu.QemuSettings}. One {@code qemu-system-x86_64}
 * process (the worker) per partition, supervised the way libvirt supervises its domains.
 *
 * <p>Files, under the state dir: {@code workers/NAME/} holds the runtime record
 * ({@code worker.json}), the QMP and agent sockets, the serial console log and QEMU's own output
 * ({@code qemu.log}); {@code disks/NAME/} holds the qcow2 overlays, blank disks and UEFI variables,
 * which outlive the worker. A worker opens nothing but these, the images dirs and allowed devices.
 *
 * <p>The worker lifecycle:
 * <ol>
 *   <li><b>Resolve.</b> Every path of the {@link dev.celadon.hypervisor.VmConfig} is resolved to its
 *       real path and confined to the images dirs, and so is every file named by a base image's (or
 *       kept disk's) qcow2 headers, read in Java: backing files and external data files. Pass-through
 *       devices must be allowed and usable (the VFIO IOMMU group is checked). Refusals are
 *       {@code InvalidVmConfigException}s naming the spec field; nothing has been created yet.</li>
 *   <li><b>Prepare disks</b> with qemu-img where they do not exist: overlays over the base image by its
 *       absolute path, blank disks. Existing disks are kept: they are the partition's data.</li>
 *   <li><b>Launch</b> the pure argv ({@code QemuArgv}) through {@code setsid}, in its own session, with
 *       a clean environment, {@code -S} (CPUs paused), {@code -no-shutdown} and a QMP socket. The
 *       record (pid, start time from /proc/PID/stat, config and its hash, socket paths) is written
 *       at once, so the worker can be found even if the launching JVM dies in the next instant.</li>
 *   <li><b>Negotiate</b> QMP (greeting, {@code qmp_capabilities}), set the balloon target when memory is
 *       below maxMemory, then {@code cont}. If QEMU exits or QMP fails first, the process is killed,
 *       the record removed and a {@code WorkerLaunchException} carries QEMU's own words. Until the
 *       {@code cont}, observation reports STARTING and opens no QMP connection of its own: QEMU serves
 *       one client at a time, and a second one would go unanswered.</li>
 *   <li><b>Observe.</b> A record's worker is alive only if its pid runs with the recorded start time
 *       (a reused pid is a stranger, never signalled); then QMP {@code query-status} tells running,
 *       paused or starting. A second {@code QemuHypervisor} adopts live workers by reconnecting to
 *       their QMP sockets: nothing is restarted. {@code close()} only releases the connections. A worker
 *       still in {@code prelaunch} that no launch of this JVM owns lost its launcher before {@code cont}:
 *       observation finishes that launch (balloon target, {@code cont}).</li>
 *   <li><b>Guest stops on its own.</b> Thanks to {@code -no-shutdown} QEMU stays up when the guest powers
 *       off or panics; the SHUTDOWN / GUEST_PANICKED event (or a status of {@code shutdown} /
 *       {@code guest-panicked} seen later) is recorded as GUEST_SHUTDOWN / GUEST_PANICKED, then the
 *       worker is told to {@code quit}.</li>
 *   <li><b>Stop on request.</b> The record is marked REQUESTED first, so whatever ends the process is
 *       attributed to us. Then the agent's guest-shutdown (integration shutdown), else ACPI
 *       {@code system_powerdown}; after the grace period (or as soon as the guest is off) QMP
 *       {@code quit}, then SIGTERM, then SIGKILL, each given a few seconds, each step added to the
 *       recorded detail.</li>
 *   <li><b>Death.</b> A worker that is gone without a request or a guest stop crashed: killed by a signal
 *       (WORKER_KILLED, signal named) or exited (WORKER_EXITED, code and QEMU's last words) when this
 *       JVM launched it; for an adopted worker the exit status is unknowable and the detail says so.
 *       The pid is dropped from the record so it is never signalled again.</li>
 *   <li><b>Delete</b> removes the record and worker dir, and the disks when asked; only for a worker
 *       that is not alive.</li>
 * </ol>
 */
package dev.celadon.hypervisor.qemu;
