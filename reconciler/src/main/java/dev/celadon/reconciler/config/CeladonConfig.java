package dev.celadon.reconciler.config;

import dev.celadon.hypervisor.qemu.AccelChoice;
import dev.celadon.hypervisor.qemu.WorkerIdRange;
import dev.celadon.hypervisor.qemu.WorkerIsolation;
import dev.celadon.reconciler.source.VerifyMode;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithConverter;
import io.smallrye.config.WithDefault;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every {@code celadon.*} key of DESIGN.md §4. Credentials are paths to files, never values. Values that
 * can be mistyped have a {@link Converters converter}, so a bad one stops the start before anything acts.
 */
@ConfigMapping(prefix = "celadon")
public interface CeladonConfig {

    Git git();

    /** Clone, worker records, disks. Default: /var/lib/celadon as root, else ~/.local/state/celadon. */
    Optional<Path> stateDir();

    Images images();

    Passthrough passthrough();

    Appliance appliance();

    Network network();

    Hypervisor hypervisor();

    Loop loop();

    Events events();

    interface Git {
        /** file://, git://, http(s)://, ssh://. Absent: the embedded demo repository. */
        Optional<String> url();

        @WithDefault("main")
        String branch();

        /** A tag or commit; wins over the branch. */
        Optional<String> ref();

        @WithDefault("partitions.d")
        String path();

        @WithDefault("5s")
        @WithConverter(Converters.PositiveDuration.class)
        Duration pollInterval();

        Optional<Path> sshKeyFile();

        Optional<Path> knownHostsFile();

        Optional<Path> tokenFile();

        /** none, openpgp, ssh or any: the signature a revision needs before it is applied. */
        @WithDefault("none")
        @WithConverter(Converters.Verify.class)
        VerifyMode verify();

        /** ASCII-armored OpenPGP public keys whose signatures count (celadon.git.verify=openpgp or any). */
        Optional<Path> trustedKeysFile();

        /** OpenSSH allowed_signers: the SSH keys whose signatures count (celadon.git.verify=ssh or any). */
        Optional<Path> allowedSignersFile();
    }

    interface Images {
        /** Where boot files and base images may come from. Default: {@code <state-dir>/images}. */
        Optional<List<Path>> dirs();

        /** The most bytes an image fetched by URL may have, as served and decompressed; a size like 64Gi. */
        @WithDefault("64Gi")
        @WithConverter(Converters.Size.class)
        String maxBytes();

        /** How long a cached image that no spec and no disk needs any more is kept. */
        @WithDefault("24h")
        @WithConverter(Converters.PositiveDuration.class)
        Duration cacheRetention();

        /** A PEM bundle of the CAs image servers' certificates are trusted from, instead of the JDK's. */
        Optional<Path> caFile();

        /** Credentials for image servers, by a name of the operator's choosing. */
        Map<String, Credential> credentials();

        interface Credential {
            /** http(s)://host[:port]/path: the URLs the credential is sent to. */
            String urlPrefix();

            /** A file holding a bearer token. */
            Optional<Path> tokenFile();

            /** A file holding {@code user:password}, sent as HTTP Basic. */
            Optional<Path> passwordFile();
        }
    }

    interface Passthrough {
        /** Device paths (or folders of them) specs may pass through. Default: none. */
        Optional<List<String>> allowed();
    }

    interface Appliance {
        /** For placement. Default: the host name. */
        Optional<String> name();

        /** For placement selectors. */
        Map<String, String> labels();

        /**
         * What the appliance booted, written by its /init (docs/design.md §4 "Upgrades"): version, slot, boot
         * entry, the slots' devices. Absent: not the appliance (status shows no slot).
         */
        Optional<Path> bootFile();
    }

    /**
     * The appliance's own network (DESIGN.md §4 "The appliance's network"), applied at boot by the appliance's
     * {@code /sbin/celadon-network}, which reads these same keys; the reconciler only reports what came of
     * them. Free text here: a bad value is that script's line on the console, never a reason for the
     * reconciler not to start and serve {@code /status}.
     */
    interface Network {
        /** {@code auto} (the first NIC with a carrier), {@code none}, or an interface name. */
        @WithDefault("auto")
        String uplink();

        /** The appliance's static address, CIDR; absent: DHCP on the bridge. */
        Optional<String> address();

        /** The default route with a static address. */
        Optional<String> gateway();

        /** Name servers with a static address, comma-separated. */
        Optional<String> dns();

        /** More bridges partitions may use, by name. */
        Map<String, Bridge> bridges();

        interface Bridge {
            /** An interface name, or {@code none}: partitions on the bridge reach each other only. */
            @WithDefault("none")
            String uplink();
        }
    }

    interface Hypervisor {
        @WithDefault("qemu-system-x86_64")
        String qemuBinary();

        @WithDefault("auto")
        @WithConverter(Converters.Accel.class)
        AccelChoice accel();

        /** Memory kept for the parent partition; a quantity like 512Mi. */
        @WithDefault("512Mi")
        @WithConverter(Converters.Size.class)
        String reservedMemory();

        /** {@code user}: each worker under its own uid/gid without capabilities; {@code none}: as root (DESIGN.md §isolation). */
        @WithDefault("user")
        @WithConverter(Converters.Isolation.class)
        WorkerIsolation.Mode isolation();

        /** The uids (and gids) of isolated workers, FIRST-LAST; no other account of the host may use them. */
        @WithDefault("64000-64999")
        @WithConverter(Converters.WorkerIds.class)
        WorkerIdRange workerIds();

        /** What a worker may use beyond its guest's memory before cgroup v2's memory.max stops it. */
        @WithDefault("512Mi")
        @WithConverter(Converters.Size.class)
        String workerMemoryOverhead();

        /** The most tasks (QEMU's threads) one worker may have: cgroup v2's pids.max. */
        @WithDefault("1024")
        @WithConverter(Converters.PidsMax.class)
        int workerPidsMax();
    }

    interface Events {
        /** How many events the history keeps (GET /status/events, in the state dir across restarts). */
        @WithDefault("500")
        @WithConverter(Converters.EventCount.class)
        int retained();
    }

    interface Loop {
        /** Off only in tests of the status API, which publish status themselves. */
        @WithDefault("true")
        @WithConverter(Converters.TrueOrFalse.class)
        boolean enabled();
    }
}
