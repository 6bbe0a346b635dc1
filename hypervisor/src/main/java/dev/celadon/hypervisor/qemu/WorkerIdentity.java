package dev.celadon.hypervisor.qemu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The account a partition's worker processes run as: the one place that says how a process of the
 * partition is started and what of its files it owns. QEMU runs under it today; any other process of
 * the partition (swtpm for a TPM) is started through {@link #command} too, so it has the same uid, no
 * capabilities and NoNewPrivs, and can open exactly the files {@link #own} gave the worker.
 *
 * <p>{@link #ROOT} is isolation {@code none}: root, commands unchanged.
 *
 * @param uid the worker's uid (0: root)
 * @param gid its gid, the same number in mode {@code user}
 */
record WorkerIdentity(int uid, int gid) {

    static final WorkerIdentity ROOT = new WorkerIdentity(0, 0);
    /** util-linux's: drops to the ids before exec, clears groups, capabilities and the bounding set, sets NoNewPrivs. */
    static final String SETPRIV = "setpriv";
    /** util-linux's: runs a program with resource limits set, the hard one above ours only while we hold CAP_SYS_RESOURCE. */
    static final String PRLIMIT = "prlimit";

    boolean isolated() {
        return uid != 0;
    }

    /**
     * {@code argv} as this identity runs it: for an isolated one, behind {@code setpriv}, which drops
     * everything before exec so the program never holds root for a single instruction (QEMU's own
     * {@code -runas} drops only after it has opened its files as root, and its seccomp filter with
     * {@code elevateprivileges=deny} forbids the drop anyway). Its only supplementary groups are {@code groups}
     * ({@link WorkerDevices}: those that open its device nodes), none when empty. With {@code memlockBytes} above 0 it
     * may lock that much memory (RLIMIT_MEMLOCK, soft and hard), set by {@code prlimit} while it still runs as root:
     * QEMU pins all of its guest's memory for a VFIO device's DMA, and an unprivileged process may lock only 8 MiB.
     */
    List<String> command(List<String> argv, List<Integer> groups, long memlockBytes) {
        if (!isolated()) {
            return argv;
        }
        List<String> command = new ArrayList<>(argv.size() + 10);
        if (memlockBytes > 0) {
            // setpriv by its path, as WorkerRoot names a view's first program: the appliance's busybox has an applet of
            // that name, without --reuid.
            command.addAll(List.of(PRLIMIT, "--memlock=" + memlockBytes + ":" + memlockBytes, "--",
                    Launcher.onPath(SETPRIV).map(Path::toString).orElse(SETPRIV)));
        } else {
            command.add(SETPRIV);
        }
        command.addAll(List.of("--reuid=" + uid, "--regid=" + gid, groups.isEmpty() ? "--clear-groups"
                : "--groups=" + groups.stream().map(String::valueOf).collect(Collectors.joining(",")), "--inh-caps=-all",
                "--bounding-set=-all", "--no-new-privs", "--"));
        command.addAll(argv);
        return command;
    }

    /** A file or folder of the worker's: owned by it, mode {@code mode} ({@code rw-------}, {@code rwx------}). */
    void own(Path path, String mode) throws IOException {
        PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class);
        UserPrincipalLookupService users = path.getFileSystem().getUserPrincipalLookupService();
        // Numeric ids: the worker's have no name in /etc/passwd, and need none.
        view.setOwner(users.lookupPrincipalByName(Integer.toString(uid)));
        view.setGroup(users.lookupPrincipalByGroupName(Integer.toString(gid)));
        view.setPermissions(PosixFilePermissions.fromString(mode));
    }

    /**
     * A folder the reconciler owns that the worker must pass through (or read, {@code r-x}) but never
     * change: root-owned, the worker's group, nobody else; QEMU cannot replace or remove what lies in it.
     */
    void enter(Path dir, String groupMode) throws IOException {
        PosixFileAttributeView view = Files.getFileAttributeView(dir, PosixFileAttributeView.class);
        UserPrincipalLookupService users = dir.getFileSystem().getUserPrincipalLookupService();
        view.setOwner(users.lookupPrincipalByName("0"));
        view.setGroup(users.lookupPrincipalByGroupName(Integer.toString(gid)));
        view.setPermissions(PosixFilePermissions.fromString(groupMode));
    }

    @Override
    public String toString() {
        return uid + ":" + gid;
    }
}
