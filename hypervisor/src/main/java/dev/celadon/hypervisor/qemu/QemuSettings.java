package dev.celadon.hypervisor.qemu;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How the QEMU hypervisor is set up on this host; built from {@code celadon.*} configuration.
 *
 * @param stateDir           worker records, sockets, console logs and disks live under here
 * @param imagesDirs         boot files and base images may come from these directories only
 * @param passthroughAllowed host block device paths (or directories of them, e.g.
 *                           {@code /dev/disk/by-id}) and PCI addresses (e.g. {@code 0000:03:00.0})
 *                           that partitions may pass through
 * @param qemuBinary         {@code qemu-system-x86_64}, by name on PATH or absolute
 * @param qemuImgBinary      {@code qemu-img}, by name on PATH or absolute
 * @param accel              {@code auto|kvm|tcg}
 * @param ovmfCode           UEFI firmware code, read-only, shared by all partitions
 * @param ovmfVars           UEFI variable store template, copied per partition
 * @param launchTimeout      how long a launched worker may take to open its QMP socket
 * @param commandTimeout     how long one QMP command may take
 * @param agentTimeout       how long one guest agent call may take
 * @param isolation          how workers are fenced off from the host and each other
 */
public record QemuSettings(
        Path stateDir,
        List<Path> imagesDirs,
        List<String> passthroughAllowed,
        String qemuBinary,
        String qemuImgBinary,
        AccelChoice accel,
        Path ovmfCode,
        Path ovmfVars,
        Duration launchTimeout,
        Duration commandTimeout,
        Duration agentTimeout,
        WorkerIsolation isolation) {

    /**
     * Debian's OVMF with Secure Boot and Microsoft's keys enrolled (package ovmf), for {@code secureBoot}: the
     * keys a PC ships with, which sign shim and Windows' boot manager.
     */
    static final Path SECURE_BOOT_CODE = Path.of("/usr/share/OVMF/OVMF_CODE_4M.ms.fd");
    static final Path SECURE_BOOT_VARS = Path.of("/usr/share/OVMF/OVMF_VARS_4M.ms.fd");

    public QemuSettings {
        Objects.requireNonNull(stateDir, "stateDir");
        imagesDirs = List.copyOf(imagesDirs);
        passthroughAllowed = List.copyOf(passthroughAllowed);
        Objects.requireNonNull(qemuBinary, "qemuBinary");
        Objects.requireNonNull(qemuImgBinary, "qemuImgBinary");
        Objects.requireNonNull(accel, "accel");
        Objects.requireNonNull(ovmfCode, "ovmfCode");
        Objects.requireNonNull(ovmfVars, "ovmfVars");
        Objects.requireNonNull(launchTimeout, "launchTimeout");
        Objects.requireNonNull(commandTimeout, "commandTimeout");
        Objects.requireNonNull(agentTimeout, "agentTimeout");
        Objects.requireNonNull(isolation, "isolation");
        if (imagesDirs.isEmpty()) {
            throw new IllegalArgumentException("at least one images dir is needed");
        }
    }

    /**
     * Debian's paths and timeouts generous enough for TCG on a busy host; nothing passed through; workers as root
     * (isolation none: a library user opts in, the reconciler's own default is {@code user}).
     */
    public static QemuSettings defaults(Path stateDir, List<Path> imagesDirs) {
        return new QemuSettings(stateDir, imagesDirs, List.of(), "qemu-system-x86_64", "qemu-img", AccelChoice.AUTO,
                Path.of("/usr/share/OVMF/OVMF_CODE_4M.fd"), Path.of("/usr/share/OVMF/OVMF_VARS_4M.fd"),
                Duration.ofSeconds(30), Duration.ofSeconds(10), Duration.ofSeconds(5), WorkerIsolation.NONE);
    }

    public QemuSettings withAccel(AccelChoice value) {
        return new QemuSettings(stateDir, imagesDirs, passthroughAllowed, qemuBinary, qemuImgBinary, value, ovmfCode,
                ovmfVars, launchTimeout, commandTimeout, agentTimeout, isolation);
    }

    public QemuSettings withPassthroughAllowed(List<String> value) {
        return new QemuSettings(stateDir, imagesDirs, value, qemuBinary, qemuImgBinary, accel, ovmfCode, ovmfVars,
                launchTimeout, commandTimeout, agentTimeout, isolation);
    }

    public QemuSettings withIsolation(WorkerIsolation value) {
        return new QemuSettings(stateDir, imagesDirs, passthroughAllowed, qemuBinary, qemuImgBinary, accel, ovmfCode,
                ovmfVars, launchTimeout, commandTimeout, agentTimeout, value);
    }

    public QemuSettings withQemuBinary(String value) {
        return new QemuSettings(stateDir, imagesDirs, passthroughAllowed, value, qemuImgBinary, accel, ovmfCode,
                ovmfVars, launchTimeout, commandTimeout, agentTimeout, isolation);
    }
}
