package dev.celadon.hypervisor;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The hypervisor's limits on the form of a {@link VmConfig}, as one pure check: what every worker would
 * refuse whatever the host. The spec reader and {@code validate} call it, so a spec the hypervisor cannot
 * run is a FILE:LINE error before anything is applied; the hypervisor calls it before it looks at the host.
 * What depends on the host (files, symlinks, backing chains, devices) is the hypervisor's
 * {@link Hypervisor#check} instead.
 */
public final class VmConfigRules {

    /** Disk and network names become QEMU ids and file names: DNS-1123 labels, short enough for both. */
    public static final int MAX_DEVICE_NAME = 32;
    /** The longest image URL a spec may name. */
    public static final int MAX_URL = 2048;
    /** The PIIX IDE controller of the legacy profile's machine has two buses with two units each. */
    public static final int LEGACY_IDE_DISKS = 4;
    /** QEMU 7.2's limits for its machines: {@code pc} (legacy) and {@code q35} (the others). */
    public static final int MAX_CPUS_LEGACY = 255;
    public static final int MAX_CPUS = 288;

    private static final Pattern DEVICE_NAME = Pattern.compile("[a-z0-9]([-a-z0-9]{0," + (MAX_DEVICE_NAME - 2) + "}[a-z0-9])?");
    /** A Linux interface name: at most 15 bytes, no '/', no whitespace. */
    public static final int MIN_VLAN = 1;
    public static final int MAX_VLAN = 4094;
    private static final Pattern BRIDGE = Pattern.compile("[A-Za-z0-9][-A-Za-z0-9_.]{0,14}");

    /** One refusal: the field as a dotted path under {@code spec} (e.g. {@code disks[0].name}) and why. */
    public record Problem(String field, String message) {
    }

    private VmConfigRules() {
    }

    /** The first problem, as the hypervisor reports it. */
    public static void check(VmConfig config) throws InvalidVmConfigException {
        Optional<Problem> first = problems(config).stream().findFirst();
        if (first.isPresent()) {
            throw new InvalidVmConfigException(config.name(), first.get().field(), first.get().message());
        }
    }

    /** Every problem, in the order of the fields. */
    public static List<Problem> problems(VmConfig config) {
        List<Problem> problems = new ArrayList<>();
        cpus(config, problems);
        cpuLimit(config, problems);
        boot(config, problems);
        tpm(config, problems);
        disks(config, problems);
        networks(config, problems);
        cloudInit(config, problems);
        return problems;
    }

    /**
     * What is wrong with the form of a path relative to the images dirs, or empty. Its confinement (real
     * path, symlinks) can only be checked on the host.
     */
    public static Optional<String> imagePathProblem(String path) {
        String problem = null;
        if (path.isEmpty()) {
            problem = "it is empty";
        } else if (path.startsWith("/")) {
            problem = "it starts with \"/\"";
        } else if (hasControlCharacter(path)) {
            problem = "it contains a control character";
        } else if (path.indexOf('\\') >= 0) {
            problem = "it contains a backslash";
        } else if (path.indexOf('~') >= 0) {
            problem = "it contains \"~\"";
        } else if (List.of(path.split("/", -1)).contains("..")) {
            problem = "it has a \"..\" segment";
        }
        return Optional.ofNullable(problem).map(p -> "invalid image path \"" + path + "\": " + p
                + "; use a path relative to the image directories, e.g. tiny/vmlinuz");
    }

    /**
     * What is wrong with the form of an image URL, or empty: http, https or file (an absolute path, confined to
     * the images dirs on the host), no user or password (credentials come from files on the appliance).
     */
    public static Optional<String> imageUrlProblem(String url) {
        String problem = null;
        URI uri = null;
        if (url.length() > MAX_URL) {
            problem = "it is longer than " + MAX_URL + " characters";
        } else if (hasControlCharacter(url) || url.chars().anyMatch(Character::isWhitespace)) {
            problem = "it contains a control character or white space";
        } else {
            try {
                uri = new URI(url);
            } catch (URISyntaxException e) {
                problem = "it is not a URL: " + e.getReason();
            }
        }
        if (uri != null) {
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
            if (!List.of("http", "https", "file").contains(scheme)) {
                problem = "only http://, https:// and file:// URLs are fetched";
            } else if (uri.getRawUserInfo() != null) {
                problem = "it holds a user or password; put credentials in a file named by celadon.images.credentials.*";
            } else if (uri.getRawFragment() != null) {
                problem = "it has a #fragment, which is never sent to a server";
            } else if (scheme.equals("file") && (uri.getRawAuthority() != null || uri.getPath() == null
                    || !uri.getPath().startsWith("/") || uri.getRawQuery() != null)) {
                problem = "a file URL is file:///absolute/path, in one of the images dirs";
            } else if (scheme.equals("file") && !Path.of(uri.getPath()).normalize().toString().equals(uri.getPath())) {
                problem = "write the file URL's path normalized, without \".\" or \"..\" segments or \"//\"";
            } else if (!scheme.equals("file") && (uri.getHost() == null || uri.getHost().isEmpty())) {
                problem = "it names no host";
            }
        }
        return Optional.ofNullable(problem).map(p -> "invalid image URL: " + p);
    }

    /** What is wrong with the form of a SHA-256 checksum, or empty. */
    public static Optional<String> sha256Problem(String sha256) {
        return ImageCache.isSha256(sha256) ? Optional.empty()
                : Optional.of("a SHA-256 is 64 lower-case hex digits (sha256sum prints it); got "
                + (sha256.length() > 80 ? sha256.length() + " characters" : "\"" + sha256 + "\""));
    }

    /** What is wrong with the form of a pass-through device path, or empty. */
    public static Optional<String> devicePathProblem(String path) {
        if (!path.startsWith("/") || hasControlCharacter(path) || path.length() < 2) {
            return Optional.of("invalid device path \"" + path + "\": use an absolute path such as /dev/disk/by-id/scsi-XYZ");
        }
        if (!Path.of(path).normalize().toString().equals(path)) {
            return Optional.of("invalid device path \"" + path + "\": write it normalized, without \".\" or \"..\" segments, \"//\" or a trailing \"/\"");
        }
        return Optional.empty();
    }

    /** What is wrong with a Linux bridge name, or empty. */
    public static Optional<String> bridgeNameProblem(String name) {
        return BRIDGE.matcher(name).matches() ? Optional.empty()
                : Optional.of("invalid bridge name \"" + name + "\": use an interface name of at most 15 letters, digits, '-', '_' or '.'");
    }

    /** What is wrong with a VLAN id, or empty: 0 and 4095 are reserved by 802.1Q. */
    public static Optional<String> vlanProblem(OptionalInt vlan) {
        return vlan.isEmpty() || (vlan.getAsInt() >= MIN_VLAN && vlan.getAsInt() <= MAX_VLAN) ? Optional.empty()
                : Optional.of("VLAN " + vlan.getAsInt() + " is out of range: use " + MIN_VLAN + "-" + MAX_VLAN + ", or no vlan for untagged");
    }

    public static boolean hasControlCharacter(String text) {
        return text.chars().anyMatch(c -> c < 0x20 || c == 0x7f);
    }

    private static void cpus(VmConfig config, List<Problem> problems) {
        boolean legacy = config.profile() == GuestProfile.LEGACY;
        int max = legacy ? MAX_CPUS_LEGACY : MAX_CPUS;
        if (config.cpus() > max) {
            problems.add(new Problem("cpus", config.cpus() + " CPUs is more than the " + (legacy ? "legacy profile's" : "")
                    + (legacy ? " machine (pc) takes: " : "machine (q35) takes: ") + max));
        }
    }

    private static void boot(VmConfig config, List<Problem> problems) {
        switch (config.boot()) {
            case BootConfig.Kernel kernel -> {
                imagePathProblem(kernel.kernel()).ifPresent(p -> problems.add(new Problem("boot.kernel", p)));
                kernel.initrd().flatMap(VmConfigRules::imagePathProblem)
                        .ifPresent(p -> problems.add(new Problem("boot.initrd", p)));
            }
            case BootConfig.FromDisk fromDisk -> {
                if (config.disks().isEmpty()) {
                    problems.add(new Problem("boot.firmware", "firmware boot needs a disk to boot from"));
                }
                if (fromDisk.secureBoot() && fromDisk.firmware() != Firmware.UEFI) {
                    problems.add(new Problem("boot.secureBoot", "Secure Boot is a UEFI feature; set firmware: uefi"));
                }
            }
        }
    }

    /** A limit above the vCPUs' own (one core each) never binds: most likely a unit mistaken. */
    private static void cpuLimit(VmConfig config, List<Problem> problems) {
        if (config.cpuLimitMillicores() > config.cpus() * 1000) {
            problems.add(new Problem("cpuLimit", config.cpuLimitMillicores() + "m is more than the " + config.cpus()
                    + " vCPUs can use; use at most " + config.cpus() + " cores (" + config.cpus() * 1000 + "m)"));
        }
    }

    /** The TPM is a CRB device on the q35 machine; the legacy profile's i440fx machine has none. */
    private static void tpm(VmConfig config, List<Problem> problems) {
        if (config.tpm() && config.profile() == GuestProfile.LEGACY) {
            problems.add(new Problem("tpm", "the legacy profile has no TPM; use profile enlightened or windows"));
        }
    }

    private static void disks(VmConfig config, List<Problem> problems) {
        Set<String> names = new HashSet<>();
        int ideDisks = 0;
        for (int i = 0; i < config.disks().size(); i++) {
            DiskConfig disk = config.disks().get(i);
            String field = "disks[" + i + "]";
            deviceName(disk.name(), field, "disk", names, problems);
            switch (disk.source()) {
                case DiskConfig.Overlay overlay -> {
                    imagePathProblem(overlay.baseImage()).ifPresent(p -> problems.add(new Problem(field + ".image", p)));
                    ideDisks++;
                }
                case DiskConfig.Downloaded downloaded -> {
                    imageUrlProblem(downloaded.url()).ifPresent(p -> problems.add(new Problem(field + ".image.url", p)));
                    sha256Problem(downloaded.sha256()).ifPresent(p -> problems.add(new Problem(field + ".image.sha256", p)));
                    ideDisks++;
                }
                case DiskConfig.Blank blank -> {
                    if (blank.sizeBytes() <= 0) {
                        problems.add(new Problem(field + ".size", "a blank disk needs a size above 0"));
                    }
                    ideDisks++;
                }
                case DiskConfig.Passthrough passthrough -> {
                    devicePathProblem(passthrough.devicePath()).ifPresent(p -> problems.add(new Problem(field + ".passthrough", p)));
                    if (config.profile() == GuestProfile.LEGACY) {
                        problems.add(new Problem(field + ".passthrough", "a pass-through disk is a virtio-scsi device,"
                                + " which legacy guests have no driver for; use profile enlightened or windows"));
                    }
                }
            }
        }
        // A legacy guest reads the cloud-init seed from an IDE CD-ROM, which takes a slot of its own.
        int slots = LEGACY_IDE_DISKS - (config.cloudInit().isPresent() ? 1 : 0);
        if (config.profile() == GuestProfile.LEGACY && ideDisks > slots) {
            problems.add(new Problem("disks[" + (config.disks().size() - 1) + "]", "the legacy profile's machine has "
                    + LEGACY_IDE_DISKS + " IDE slots" + (slots < LEGACY_IDE_DISKS ? ", one of them the cloud-init seed's" : "")
                    + "; " + ideDisks + " disks asked for"));
        }
    }

    private static void networks(VmConfig config, List<Problem> problems) {
        Set<String> names = new HashSet<>();
        for (int i = 0; i < config.networks().size(); i++) {
            NetworkConfig network = config.networks().get(i);
            String field = "networks[" + i + "]";
            deviceName(network.name(), field, "network", names, problems);
            switch (network.attachment()) {
                case NetworkConfig.Bridge bridge -> {
                    bridgeNameProblem(bridge.bridge()).ifPresent(p -> problems.add(new Problem(field + ".bridge", p)));
                    vlanProblem(bridge.vlan()).ifPresent(p -> problems.add(new Problem(field + ".vlan", p)));
                }
                case NetworkConfig.User user -> {
                    for (int f = 0; f < user.forwards().size(); f++) {
                        NetworkConfig.PortForward forward = user.forwards().get(f);
                        if (!validPort(forward.hostPort()) || !validPort(forward.guestPort())) {
                            problems.add(new Problem(field + ".user.forwards[" + f + "]",
                                    "ports must be 1-65535: " + forward.hostPort() + " -> " + forward.guestPort()));
                        }
                    }
                }
            }
        }
    }

    private static void cloudInit(VmConfig config, List<Problem> problems) {
        config.cloudInit().filter(seed -> seed.bytes() > CloudInit.MAX_BYTES).ifPresent(seed -> problems.add(new Problem("cloudInit",
                "the cloud-init files have " + seed.bytes() + " bytes together; at most " + CloudInit.MAX_BYTES)));
    }

    private static void deviceName(String name, String field, String what, Set<String> seen, List<Problem> problems) {
        if (!DEVICE_NAME.matcher(name).matches()) {
            problems.add(new Problem(field + ".name", "invalid " + what + " name \"" + name + "\": use a DNS-1123 label of at most "
                    + MAX_DEVICE_NAME + " lower-case letters, digits and '-' (it names a QEMU device and a file)"));
        } else if (!seen.add(name)) {
            problems.add(new Problem(field + ".name", "duplicate " + what + " name " + name));
        }
    }

    private static boolean validPort(int port) {
        return port >= 1 && port <= 65535;
    }
}
