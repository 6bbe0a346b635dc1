package dev.celadon.hypervisor.qemu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * An isolated worker's private view of the file system, as Firecracker's jailer gives each VMM (DESIGN.md §9
 * "Isolated workers"): in a mount namespace of its own, a root of its own, a small tmpfs that holds only what its
 * processes need, each at the path the host has it, so that their command lines stay as they are: the system's
 * programs and libraries and {@code /sys}, read-only; the images dirs and the download cache, read-only; the
 * partition's own worker dir, disks dir and run dir; the few device nodes it opens; a {@code /proc} and an empty
 * {@code /tmp}. Nothing else of the host exists there: not the other partitions' files, not the reconciler's
 * state, its credentials or {@code /etc}.
 *
 * <p>A JVM cannot set up a mount namespace between fork and exec, so the worker's command starts behind
 * {@code unshare} (util-linux's or busybox's: a new mount namespace, mounts private), then {@code sh}, which
 * builds the view with {@code mount} and enters it with {@code chroot}, then the identity's {@code setpriv}.
 * Each of them execs the next: the worker's pid is QEMU's from the start. Paths reach the script as arguments,
 * never inside it. Root without capabilities cannot leave a chroot ({@code chroot(2)} needs CAP_SYS_CHROOT), and
 * {@code pivot_root} does not work where {@code /} is the initramfs (the appliance). The mounts end with the
 * namespace, when its last process exits: nothing is left to clean up on the host.
 */
final class WorkerRoot {

    static final String UNSHARE = "unshare";
    /** The state dir's empty folder each view's root is mounted over, in the view's own namespace only. */
    static final String MOUNT_POINT = "view";
    /** Where programs and the libraries they load lie, on a merged-/usr system or not: read-only when present. */
    private static final List<Path> SYSTEM = List.of(Path.of("/usr"), Path.of("/bin"), Path.of("/sbin"), Path.of("/lib"),
            Path.of("/lib32"), Path.of("/lib64"), Path.of("/libx32"), Path.of("/etc/ld.so.cache"), Path.of("/sys"));
    /** The nodes every process may need: what C libraries and QEMU open without being asked. */
    private static final List<Path> COMMON_DEVICES = List.of(Path.of("/dev/null"), Path.of("/dev/zero"),
            Path.of("/dev/full"), Path.of("/dev/random"), Path.of("/dev/urandom"));
    /**
     * Makes the view at {@code $1} and runs the rest behind {@code chroot}: pairs of {@code ro}/{@code rw} and a
     * path, in order (a folder before what lies in it), then {@code --}, then the command.
     */
    private static final String SCRIPT = """
            set -e
            root=$1
            shift
            mount -t tmpfs -o mode=0755,nosuid,nodev,size=1m celadon-worker "$root"
            mkdir "$root/proc" "$root/dev" "$root/tmp"
            chmod 1777 "$root/tmp"
            mount -t proc -o nosuid,nodev,noexec proc "$root/proc"
            while [ "$1" != -- ]; do
            \tif [ -d "$2" ]; then
            \t\tmkdir -p "$root$2"
            \telse
            \t\tmkdir -p "$root${2%/*}"
            \t\t[ -e "$root$2" ] || : >"$root$2"
            \tfi
            \tmount --bind "$2" "$root$2"
            \tif [ "$1" = ro ]; then mount -o remount,bind,ro,nosuid,nodev "$root$2"; fi
            \tshift 2
            done
            shift
            exec chroot "$root" "$@"
            """;
    private static final long PROBE_SECONDS = 10;

    private final Path mountPoint;
    private final Optional<String> unavailable;

    private WorkerRoot(Path mountPoint, Optional<String> unavailable) {
        this.mountPoint = mountPoint;
        this.unavailable = unavailable;
    }

    /**
     * Whether this host lets a view be made (a mount namespace, tmpfs, bind mounts: root on a kernel that has
     * them), found by making one around {@code true}. {@code mountPoint}: an empty folder of the state dir that
     * each view's root is mounted over, in its own namespace only.
     */
    static WorkerRoot probe(Path mountPoint) {
        try {
            Files.createDirectories(mountPoint);
            WorkerRoot view = new WorkerRoot(mountPoint, Optional.empty());
            ProcessBuilder builder = new ProcessBuilder(view.command(List.of("true"), new Binds()))
                    .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
            builder.environment().put("PATH", Launcher.PATH);
            Process probe = builder.start();
            if (!probe.waitFor(PROBE_SECONDS, TimeUnit.SECONDS)) {
                probe.destroyForcibly();
                return new WorkerRoot(mountPoint, Optional.of("making one did not end within " + PROBE_SECONDS + " s"));
            }
            String said = new String(probe.getInputStream().readAllBytes()).strip();
            return probe.exitValue() == 0 ? view
                    : new WorkerRoot(mountPoint, Optional.of("making one failed: " + (said.isEmpty() ? "exit " + probe.exitValue()
                            : said.lines().reduce((first, last) -> last).orElse(said))));
        } catch (IOException e) {
            return new WorkerRoot(mountPoint, Optional.of("cannot run " + UNSHARE + ": " + e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new WorkerRoot(mountPoint, Optional.of("interrupted while making one"));
        }
    }

    /** Why workers see the host's whole file system here, or empty when each gets its own view. */
    Optional<String> unavailable() {
        return unavailable;
    }

    /** A host where workers get no view: {@code why}. */
    static WorkerRoot off(String why) {
        return new WorkerRoot(Path.of("/"), Optional.of(why));
    }

    /** {@code command} (the identity's, behind setpriv) in its view of {@code binds}, or unchanged where there is none. */
    List<String> command(List<String> command, Binds binds) {
        if (unavailable.isPresent()) {
            return command;
        }
        List<String> wrapped = new ArrayList<>(List.of(UNSHARE, "--mount", "--propagation", "private", "sh", "-c", SCRIPT,
                "celadon-worker-view", mountPoint.toString()));
        binds.ordered().forEach((path, writable) -> wrapped.addAll(List.of(writable ? "rw" : "ro", path.toString())));
        wrapped.add("--");
        wrapped.add(byPath(command.getFirst()));
        wrapped.addAll(command.subList(1, command.size()));
        return wrapped;
    }

    /**
     * {@code program} by its path on the workers' PATH: busybox's {@code chroot} (the appliance's) runs an applet of
     * its own in place of a program it is given by name, and its {@code setpriv} applet has no {@code --reuid}.
     */
    private static String byPath(String program) {
        return program.contains("/") ? program : Launcher.onPath(program).map(Path::toString).orElse(program);
    }

    /**
     * What a worker's view holds besides the system's files: each path once, writable if any asks for it so; a
     * path that does not exist is left out (QEMU says so itself, as it would without a view).
     */
    static final class Binds {

        private final TreeMap<Path, Boolean> paths = new TreeMap<>(Comparator.comparing(Path::toString));

        Binds() {
            SYSTEM.forEach(this::readOnly);
            COMMON_DEVICES.forEach(this::writable);
        }

        Binds readOnly(Path path) {
            return add(path, false);
        }

        Binds readOnly(Collection<Path> more) {
            more.forEach(this::readOnly);
            return this;
        }

        Binds writable(Path path) {
            return add(path, true);
        }

        Binds writable(Collection<Path> more) {
            more.forEach(this::writable);
            return this;
        }

        private Binds add(Path path, boolean writable) {
            Path absolute = path.toAbsolutePath().normalize();
            if (Files.exists(absolute)) {
                paths.merge(absolute, writable, Boolean::logicalOr);
            }
            return this;
        }

        /**
         * The binds by path, a folder before what lies in it (a path's string sorts before any path under it), and
         * without a read-only one that a read-only folder above already shows.
         */
        TreeMap<Path, Boolean> ordered() {
            TreeMap<Path, Boolean> kept = new TreeMap<>(paths.comparator());
            paths.forEach((path, writable) -> {
                boolean shown = !writable && kept.entrySet().stream()
                        .anyMatch(bound -> !bound.getValue() && path.startsWith(bound.getKey()));
                if (!shown) {
                    kept.put(path, writable);
                }
            });
            return kept;
        }
    }
}
