package dev.celadon.reconciler.spec;

import dev.celadon.hypervisor.BootConfig;
import dev.celadon.hypervisor.DiskConfig;
import dev.celadon.hypervisor.Firmware;
import dev.celadon.hypervisor.GuestProfile;
import dev.celadon.hypervisor.IntegrationServices;
import dev.celadon.hypervisor.NetworkConfig;
import dev.celadon.hypervisor.NicModel;
import dev.celadon.hypervisor.PartitionName;
import dev.celadon.hypervisor.PciAddress;
import dev.celadon.hypervisor.VmConfig;
import dev.celadon.hypervisor.VmConfigRules;
import dev.celadon.reconciler.spec.Value.Fields;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Reads one YAML document into a {@link Partition}, checking everything that can be checked within
 * the document. Fields are read in an order where later checks can rely on earlier ones (the guest
 * profile before the integration services); a field that fails is reported and read on past, and
 * the partition is built only when the document added no error.
 */
final class PartitionReader {

    static final long MIN_MEMORY = 16L << 20;
    static final int MAX_CPUS = 256;
    static final Duration DEFAULT_GRACE_PERIOD = Duration.ofSeconds(30);

    private static final String DNS_LABEL_RULE = "use a DNS-1123 label: at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit";

    private static final Map<String, RunState> RUN_STATES = SharedFields.spellings(RunState.values(), RunState::yaml);
    private static final Map<String, RestartPolicy> RESTART_POLICIES = SharedFields.spellings(RestartPolicy.values(), RestartPolicy::yaml);
    private static final Map<String, DeletionPolicy> DELETION_POLICIES = SharedFields.spellings(DeletionPolicy.values(), DeletionPolicy::yaml);
    private static final Map<String, GuestProfile> PROFILES = SharedFields.spellings(GuestProfile.values(), PartitionReader::lowerCase);
    private static final Map<String, Firmware> FIRMWARES = SharedFields.spellings(Firmware.values(), PartitionReader::lowerCase);
    private static final Map<String, NicModel> NIC_MODELS = SharedFields.spellings(NicModel.values(), NicModel::specName);
    private static final Map<String, Rollout.Strategy> ROLLOUT_STRATEGIES = SharedFields.spellings(Rollout.Strategy.values(), Rollout.Strategy::yaml);
    /** A Try shorter than this could not see a guest's first heartbeat; longer than this is a forgotten change. */
    static final Duration MIN_ROLLOUT_TIMEOUT = Duration.ofSeconds(10);
    static final Duration MAX_ROLLOUT_TIMEOUT = Duration.ofHours(24);

    /** What a document yields: the partition if sound, and what the revision-wide checks need. */
    record Result(Optional<Partition> partition, Optional<Claim> name, List<Claim> hostPorts) {
    }

    private final Problems problems;
    private final SpecRules rules;
    private final SpecFiles files;
    private final List<Claim> hostPorts = new ArrayList<>();

    private PartitionReader(Problems problems, SpecRules rules, SpecFiles files) {
        this.problems = problems;
        this.rules = rules;
        this.files = files;
    }

    /** Reads the rest of a document whose header ({@link DocumentHeader}) says it is a partition. */
    static Result read(DocumentHeader header, Problems problems, SpecRules rules, SpecFiles files) {
        return new PartitionReader(problems, rules, files).read(header);
    }

    private Result read(DocumentHeader header) {
        Value document = header.document();
        Fields root = header.root();
        int errorsBefore = header.errorsBefore();
        Optional<Fields> metadata = root.required("metadata").flatMap(v -> v.fields(Section.METADATA));
        Optional<Value> nameValue = metadata.flatMap(m -> m.required("name"));
        Optional<PartitionName> name = nameValue.flatMap(this::partitionName);
        Map<String, String> labels = metadata.flatMap(m -> m.optional("labels")).map(SharedFields::labels).orElse(Map.of());
        Optional<Claim> nameClaim = name.map(n -> new Claim(n.value(), nameValue.orElseThrow().at(), nameValue.orElseThrow().path()));

        Optional<Spec> spec = root.required("spec").flatMap(v -> v.fields(Section.SPEC)).flatMap(s -> spec(s, name));
        if (spec.isPresent() && problems.count() == errorsBefore) {
            // What the hypervisor would refuse for its form, refused here, where the spec's lines are known.
            for (VmConfigRules.Problem problem : VmConfigRules.problems(spec.get().vm)) {
                document.nearest("spec." + problem.field()).errorAt("spec." + problem.field(), problem.message());
            }
        }
        Optional<Partition> partition = problems.count() > errorsBefore || name.isEmpty() || spec.isEmpty()
                ? Optional.empty()
                : Optional.of(new Partition(name.get(), labels, spec.get().runState, spec.get().placement, spec.get().vm,
                        spec.get().restartPolicy, spec.get().deletionPolicy, spec.get().protectedFromDeletion, document.at(),
                        spec.get().readiness, spec.get().dependsOn, spec.get().rollout));
        return new Result(partition, nameClaim, List.copyOf(hostPorts));
    }

    /** The {@code spec} section, read. */
    private record Spec(RunState runState, Placement placement, VmConfig vm, RestartPolicy restartPolicy,
                        DeletionPolicy deletionPolicy, boolean protectedFromDeletion, ReadinessSpec readiness,
                        List<Dependency> dependsOn, Rollout rollout) {
    }

    private Optional<Spec> spec(Fields spec, Optional<PartitionName> name) {
        RunState runState = spec.optional("runState").flatMap(v -> v.oneOf(RUN_STATES)).orElse(RunState.RUNNING);
        Placement placement = spec.optional("placement").flatMap(SharedFields::placement).orElse(Placement.EVERYWHERE);
        Optional<GuestProfile> profile = spec.optional("guest")
                .flatMap(v -> v.fields(Section.GUEST))
                .map(g -> g.optional("profile").map(v -> v.oneOf(PROFILES)).orElse(Optional.of(GuestProfile.ENLIGHTENED)))
                .orElse(Optional.of(GuestProfile.ENLIGHTENED));
        Optional<Integer> cpus = spec.required("cpus").flatMap(v -> v.integer(1, MAX_CPUS));
        Optional<Long> memory = spec.required("memory").flatMap(Value::quantity).filter(bytes -> atLeastMinimum(spec, bytes));
        Optional<Long> maxMemory = spec.optional("maxMemory").isPresent()
                ? spec.optional("maxMemory").flatMap(Value::quantity).filter(bytes -> notBelowMemory(spec, bytes, memory))
                : memory;
        Optional<BootConfig> boot = spec.required("boot").flatMap(v -> v.fields(Section.BOOT)).flatMap(this::boot);
        // With a misspelt profile the disks and services are still checked, as for the default profile.
        GuestProfile effectiveProfile = profile.orElse(GuestProfile.ENLIGHTENED);
        List<DiskConfig> disks = spec.optional("disks").map(v -> disks(v, effectiveProfile)).orElse(List.of());
        List<NetworkConfig> networks = spec.optional("networks").map(this::networks).orElse(List.of());
        List<PciAddress> devices = spec.optional("devices").map(this::devices).orElse(List.of());
        boolean tpm = spec.optional("tpm").flatMap(Value::bool).orElse(false);
        Optional<Value> cpuLimitValue = spec.optional("cpuLimit");
        Optional<Integer> cpuLimit = cpuLimitValue.flatMap(Value::millicores).filter(m -> atLeastMinimumCpuLimit(cpuLimitValue.get(), m));
        IntegrationServices integration = spec.optional("integration").map(v -> integration(v, effectiveProfile))
                .orElse(effectiveProfile == GuestProfile.LEGACY ? IntegrationServices.NONE : IntegrationServices.ALL);
        RestartPolicy restartPolicy = spec.optional("restartPolicy").flatMap(v -> v.oneOf(RESTART_POLICIES)).orElse(RestartPolicy.ALWAYS);
        Duration grace = spec.optional("shutdownGracePeriod").flatMap(Value::duration).orElse(DEFAULT_GRACE_PERIOD);
        DeletionPolicy deletionPolicy = spec.optional("deletionPolicy").flatMap(v -> v.oneOf(DELETION_POLICIES)).orElse(DeletionPolicy.RETAIN);
        boolean protectedFromDeletion = spec.optional("protected").flatMap(Value::bool).orElse(false);
        Optional<Value> cloudInitValue = spec.optional("cloudInit");
        Optional<CloudInitReader.Content> cloudInit = cloudInitValue.flatMap(v -> CloudInitReader.read(v, problems, files));
        boolean agent = effectiveProfile != GuestProfile.LEGACY && integration.any();
        Optional<ReadinessSpec> readiness = spec.optional("readiness")
                .map(v -> readiness(v, agent && integration.heartbeat(), agent, networks))
                .orElse(Optional.of(agent && integration.heartbeat() ? ReadinessSpec.HEARTBEAT : ReadinessSpec.RUNNING));
        List<Dependency> dependsOn = spec.optional("dependsOn").map(v -> dependsOn(v, name)).orElse(List.of());
        Rollout rollout = spec.optional("rollout").map(this::rollout).orElse(Rollout.DEFAULT);

        if (name.isEmpty() || profile.isEmpty() || cpus.isEmpty() || memory.isEmpty() || maxMemory.isEmpty()
                || boot.isEmpty() || cloudInitValue.isPresent() && cloudInit.isEmpty() || readiness.isEmpty()
                || cpuLimitValue.isPresent() && cpuLimit.isEmpty()) {
            return Optional.empty();
        }
        VmConfig vm = new VmConfig(name.get(), profile.get(), cpus.get(), memory.get(), maxMemory.get(), boot.get(),
                disks, networks, devices, integration, grace, cloudInit.map(c -> c.seed(name.get())), tpm, cpuLimit.orElse(0));
        return Optional.of(new Spec(runState, placement, vm, restartPolicy, deletionPolicy, protectedFromDeletion,
                readiness.get(), dependsOn, rollout));
    }

    // --- metadata ----------------------------------------------------------------------------

    private Optional<PartitionName> partitionName(Value value) {
        return value.string().flatMap(text -> {
            if (!PartitionName.isValid(text)) {
                value.error("invalid name \"" + text + "\": " + DNS_LABEL_RULE);
                return Optional.empty();
            }
            return Optional.of(new PartitionName(text));
        });
    }

    // --- spec parts --------------------------------------------------------------------------

    private boolean atLeastMinimum(Fields spec, long bytes) {
        if (bytes < MIN_MEMORY) {
            spec.optional("memory").orElseThrow().error(Quantities.format(bytes) + " is too small; at least " + Quantities.format(MIN_MEMORY));
            return false;
        }
        return true;
    }

    private static boolean atLeastMinimumCpuLimit(Value value, int millicores) {
        if (millicores < VmConfig.MIN_CPU_LIMIT_MILLICORES) {
            value.error(millicores + "m is too small; at least " + VmConfig.MIN_CPU_LIMIT_MILLICORES
                    + "m (cgroup v2 gives at least 1 ms of every 100 ms)");
            return false;
        }
        return true;
    }

    private boolean notBelowMemory(Fields spec, long bytes, Optional<Long> memory) {
        if (memory.isPresent() && bytes < memory.get()) {
            spec.optional("maxMemory").orElseThrow().error(Quantities.format(bytes) + " is less than spec.memory ("
                    + Quantities.format(memory.get()) + "); maxMemory must be at least memory");
            return false;
        }
        return memory.isPresent();
    }

    private Optional<BootConfig> boot(Fields boot) {
        Optional<Value> kernel = boot.optional("kernel");
        Optional<Value> firmware = boot.optional("firmware");
        if (kernel.isPresent() && firmware.isPresent()) {
            boot.owner().error("set either kernel (with optional initrd and cmdline) or firmware, not both");
            return Optional.empty();
        }
        if (firmware.isPresent()) {
            for (String kernelOnly : List.of("initrd", "cmdline")) {
                boot.optional(kernelOnly).ifPresent(v -> v.error("only used with kernel boot; remove it or set kernel instead of firmware"));
            }
            // With BIOS, VmConfigRules refuses it (one rule for the spec and the hypervisor).
            boolean secureBoot = boot.optional("secureBoot").flatMap(Value::bool).orElse(false);
            return firmware.flatMap(v -> v.oneOf(FIRMWARES)).map(f -> new BootConfig.FromDisk(f, secureBoot));
        }
        boot.optional("secureBoot").ifPresent(v -> v.error("only used with firmware boot; set firmware: uefi instead of kernel"));
        if (kernel.isEmpty()) {
            boot.owner().error("set kernel (with optional initrd and cmdline) or firmware (bios or uefi)");
            return Optional.empty();
        }
        Optional<String> kernelPath = kernel.flatMap(this::imagePath);
        Optional<Optional<String>> initrd = boot.optional("initrd").isPresent()
                ? boot.optional("initrd").flatMap(this::imagePath).map(Optional::of)
                : Optional.of(Optional.empty());
        Optional<String> cmdline = boot.optional("cmdline").isPresent()
                ? boot.optional("cmdline").flatMap(this::cmdline)
                : Optional.of("");
        if (kernelPath.isEmpty() || initrd.isEmpty() || cmdline.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new BootConfig.Kernel(kernelPath.get(), initrd.get(), cmdline.get()));
    }

    private Optional<String> cmdline(Value value) {
        return value.string().filter(text -> {
            if (PathRules.hasControlCharacter(text)) {
                value.error("must not contain control characters such as line breaks");
                return false;
            }
            return true;
        });
    }

    private Optional<String> imagePath(Value value) {
        return value.string().filter(path -> {
            Optional<String> problem = PathRules.checkImagePath(path);
            problem.ifPresent(value::error);
            return problem.isEmpty();
        });
    }

    private List<DiskConfig> disks(Value value, GuestProfile profile) {
        List<DiskConfig> disks = new ArrayList<>();
        Map<String, SourceLocation> names = new HashMap<>();
        for (Value item : value.list().orElse(List.of())) {
            item.fields(Section.DISK).ifPresent(disk -> {
                Optional<String> name = disk.required("name").flatMap(v -> uniqueLabel(v, "disk", names));
                Optional<DiskConfig.Source> source = diskSource(disk, profile);
                if (name.isPresent() && source.isPresent()) {
                    disks.add(new DiskConfig(name.get(), source.get()));
                }
            });
        }
        return disks;
    }

    private Optional<DiskConfig.Source> diskSource(Fields disk, GuestProfile profile) {
        Optional<Value> image = disk.optional("image");
        Optional<Value> size = disk.optional("size");
        Optional<Value> passthrough = disk.optional("passthrough");
        if (passthrough.isPresent()) {
            if (image.isPresent() || size.isPresent()) {
                passthrough.get().error("a pass-through disk takes no image or size; remove them or the passthrough");
                return Optional.empty();
            }
            if (profile == GuestProfile.LEGACY) {
                passthrough.get().error("a pass-through disk is a virtio-scsi device, which legacy guests have no driver"
                        + " for; use profile enlightened or windows");
                return Optional.empty();
            }
            return passthrough.get().string().filter(path -> {
                Optional<String> problem = PathRules.checkPassthrough(path, rules.passthroughAllowed());
                problem.ifPresent(passthrough.get()::error);
                return problem.isEmpty();
            }).map(DiskConfig.Passthrough::new);
        }
        Optional<Long> bytes = size.flatMap(v -> v.quantity().filter(b -> {
            if (b == 0) {
                v.error("must be more than 0");
            }
            return b > 0;
        }));
        if (size.isPresent() && bytes.isEmpty()) {
            return Optional.empty();
        }
        if (image.isPresent() && image.get().isMapping()) {
            return imageUrl(image.get(), bytes.orElse(0L));
        }
        if (image.isPresent()) {
            return image.flatMap(this::imagePath).map(base -> new DiskConfig.Overlay(base, bytes.orElse(0L)));
        }
        if (bytes.isPresent()) {
            return Optional.of(new DiskConfig.Blank(bytes.get()));
        }
        disk.owner().error("set image (an overlay over a base image, optional size), size (a blank disk) or passthrough (a host device)");
        return Optional.empty();
    }

    /** {@code image: {url, sha256}}: an overlay over an image fetched by URL, checked by its form only. */
    private static Optional<DiskConfig.Source> imageUrl(Value image, long bytes) {
        return SharedFields.imageByUrl(image, Section.IMAGE).map(url -> new DiskConfig.Downloaded(url.url(), url.sha256(), bytes));
    }

    private List<NetworkConfig> networks(Value value) {
        List<NetworkConfig> networks = new ArrayList<>();
        Map<String, SourceLocation> names = new HashMap<>();
        for (Value item : value.list().orElse(List.of())) {
            item.fields(Section.NETWORK).ifPresent(network -> {
                Optional<String> name = network.required("name").flatMap(v -> uniqueLabel(v, "network", names));
                Optional<NetworkConfig.Attachment> attachment = attachment(network);
                Optional<Value> modelValue = network.optional("model");
                Optional<NicModel> model = modelValue.flatMap(v -> v.oneOf(NIC_MODELS));
                if (name.isPresent() && attachment.isPresent() && modelValue.isPresent() == model.isPresent()) {
                    networks.add(new NetworkConfig(name.get(), attachment.get(), model));
                }
            });
        }
        return networks;
    }

    private Optional<NetworkConfig.Attachment> attachment(Fields network) {
        Optional<Value> bridge = network.optional("bridge");
        Optional<Value> user = network.optional("user");
        Optional<Value> vlanValue = network.optional("vlan");
        if (vlanValue.isPresent() && bridge.isEmpty()) {
            vlanValue.get().error("a VLAN needs a bridge: user-mode networking has none");
            return Optional.empty();
        }
        if (bridge.isPresent() && user.isPresent()) {
            network.owner().error("set either bridge or user, not both");
            return Optional.empty();
        }
        if (bridge.isPresent()) {
            Optional<String> name = bridge.get().string().filter(text -> {
                Optional<String> problem = VmConfigRules.bridgeNameProblem(text);
                problem.ifPresent(bridge.get()::error);
                return problem.isEmpty();
            });
            Optional<Integer> vlan = vlanValue.flatMap(v -> v.integer(VmConfigRules.MIN_VLAN, VmConfigRules.MAX_VLAN));
            if (name.isEmpty() || vlanValue.isPresent() != vlan.isPresent()) {
                return Optional.empty();
            }
            return Optional.of(new NetworkConfig.Bridge(name.get(), vlan.map(OptionalInt::of).orElse(OptionalInt.empty())));
        }
        if (user.isEmpty()) {
            network.owner().error("set bridge (a tap on a host bridge) or user (user-mode networking, e.g. user: {})");
            return Optional.empty();
        }
        return user.get().fields(Section.USER_NETWORK).flatMap(fields -> {
            List<NetworkConfig.PortForward> forwards = new ArrayList<>();
            boolean sound = true;
            for (Value item : fields.optional("forwards").flatMap(Value::list).orElse(List.of())) {
                Optional<NetworkConfig.PortForward> forward = item.fields(Section.FORWARD).flatMap(this::forward);
                forward.ifPresent(forwards::add);
                sound &= forward.isPresent();
            }
            return sound ? Optional.of(new NetworkConfig.User(forwards)) : Optional.empty();
        });
    }

    private Optional<NetworkConfig.PortForward> forward(Fields forward) {
        Optional<Value> hostValue = forward.required("host");
        Optional<Integer> host = hostValue.flatMap(v -> v.integer(1, 65535));
        Optional<Integer> guest = forward.required("guest").flatMap(v -> v.integer(1, 65535));
        host.ifPresent(port -> hostPorts.add(new Claim(port.toString(), hostValue.get().at(), hostValue.get().path())));
        return host.isPresent() && guest.isPresent() ? Optional.of(new NetworkConfig.PortForward(host.get(), guest.get())) : Optional.empty();
    }

    private List<PciAddress> devices(Value value) {
        List<PciAddress> devices = new ArrayList<>();
        Map<String, SourceLocation> seen = new HashMap<>();
        for (Value item : value.list().orElse(List.of())) {
            item.fields(Section.DEVICE).flatMap(d -> d.required("pci")).ifPresent(pci -> pci.string().ifPresent(address -> {
                if (!PciAddress.isValid(address)) {
                    pci.error("invalid PCI address \"" + address + "\": use domain:bus:slot.function in lower-case hex, e.g. 0000:03:00.0");
                } else if (seen.containsKey(address)) {
                    pci.error("device " + address + " is already assigned at line " + seen.get(address).line());
                } else {
                    seen.put(address, pci.at());
                    devices.add(new PciAddress(address));
                }
            }));
        }
        return devices;
    }

    private IntegrationServices integration(Value value, GuestProfile profile) {
        boolean byDefault = profile != GuestProfile.LEGACY;
        return value.fields(Section.INTEGRATION).map(fields -> new IntegrationServices(
                service(fields, "heartbeat", profile, byDefault),
                service(fields, "shutdown", profile, byDefault),
                service(fields, "timeSync", profile, byDefault))).orElse(IntegrationServices.NONE);
    }

    private boolean service(Fields integration, String name, GuestProfile profile, boolean byDefault) {
        Optional<Value> value = integration.optional(name);
        boolean enabled = value.flatMap(Value::bool).orElse(byDefault);
        if (enabled && profile == GuestProfile.LEGACY) {
            value.orElseThrow().error("legacy guests have no integration channel; set it to false or use profile enlightened or windows");
            return false;
        }
        return enabled;
    }

    // --- readiness and dependsOn ---------------------------------------------------------------

    /**
     * {@code spec.readiness}: each check must be one Celadon can make for this machine. {@code heartbeat}
     * defaults to whether the agent is asked for heartbeats; a tcp port must be forwarded (user-mode) or on a
     * bridge (where the agent reports the address); exec runs through the agent.
     */
    private Optional<ReadinessSpec> readiness(Value value, boolean heartbeatAsked, boolean agent, List<NetworkConfig> networks) {
        Optional<Fields> fields = value.fields(Section.READINESS);
        if (fields.isEmpty()) {
            return Optional.empty();
        }
        boolean sound = true;
        Optional<Value> heartbeatValue = fields.get().optional("heartbeat");
        Optional<Boolean> heartbeat = heartbeatValue.isPresent() ? heartbeatValue.flatMap(Value::bool) : Optional.of(heartbeatAsked);
        if (heartbeat.orElse(false) && !heartbeatAsked) {
            heartbeatValue.orElseThrow().error("no heartbeat is asked of this guest (legacy profile, or integration.heartbeat"
                    + " false); set it to false or turn integration.heartbeat on");
            sound = false;
        }
        sound &= heartbeat.isPresent();
        OptionalInt port = OptionalInt.empty();
        Optional<Value> tcp = fields.get().optional("tcp");
        if (tcp.isPresent()) {
            Optional<Value> portValue = tcp.get().fields(Section.TCP_READINESS).flatMap(t -> t.required("port"));
            Optional<Integer> number = portValue.flatMap(v -> v.integer(1, 65535));
            if (number.isPresent() && !reachable(number.get(), networks)) {
                portValue.get().error("nothing reaches guest port " + number.get() + ": forward it (networks[].user.forwards"
                        + " with guest: " + number.get() + ") or attach a bridge, where the agent reports the guest's address");
                number = Optional.empty();
            }
            sound &= number.isPresent();
            port = number.map(OptionalInt::of).orElse(OptionalInt.empty());
        }
        List<String> exec = new ArrayList<>();
        Optional<Value> execValue = fields.get().optional("exec");
        if (execValue.isPresent()) {
            List<Value> items = execValue.get().list().orElse(null);
            if (items == null) {
                sound = false;
            } else if (items.isEmpty()) {
                execValue.get().error("give the command to run, e.g. [pg_isready, -q]");
                sound = false;
            } else if (!agent) {
                execValue.get().error("commands run through the guest agent, which this guest has not (legacy profile,"
                        + " or every integration service off)");
                sound = false;
            }
            for (Value item : items == null ? List.<Value>of() : items) {
                Optional<String> arg = item.string();
                if (arg.isPresent() && exec.isEmpty() && arg.get().isBlank()) {
                    item.error("the program to run may not be empty");
                    arg = Optional.empty();
                }
                arg.ifPresent(exec::add);
                sound &= arg.isPresent();
            }
        }
        return sound ? Optional.of(new ReadinessSpec(heartbeat.orElseThrow(), port, exec)) : Optional.empty();
    }

    private static boolean reachable(int guestPort, List<NetworkConfig> networks) {
        return networks.stream().map(NetworkConfig::attachment).anyMatch(a -> a instanceof NetworkConfig.Bridge
                || a instanceof NetworkConfig.User user && user.forwards().stream().anyMatch(f -> f.guestPort() == guestPort));
    }

    /**
     * {@code spec.dependsOn}: partition names, each once and not the partition itself. Whether each names a
     * partition of the revision, and whether they form a cycle, the revision checks ({@link Revision}).
     */
    private List<Dependency> dependsOn(Value value, Optional<PartitionName> self) {
        List<Dependency> dependencies = new ArrayList<>();
        Map<PartitionName, SourceLocation> seen = new HashMap<>();
        for (Value item : value.list().orElse(List.of())) {
            partitionName(item).ifPresent(name -> {
                SourceLocation first = seen.putIfAbsent(name, item.at());
                if (self.filter(name::equals).isPresent()) {
                    item.error("a partition cannot depend on itself");
                } else if (first != null) {
                    item.error("\"" + name + "\" is already listed at line " + first.line());
                } else {
                    dependencies.add(new Dependency(name, item.at(), item.path()));
                }
            });
        }
        return dependencies;
    }

    // --- rollout -------------------------------------------------------------------------------

    /** {@code spec.rollout}: a strategy and, for Try, how long the partition has to become Ready. */
    private Rollout rollout(Value value) {
        return value.fields(Section.ROLLOUT).map(fields -> {
            Rollout.Strategy strategy = fields.optional("strategy").flatMap(v -> v.oneOf(ROLLOUT_STRATEGIES))
                    .orElse(Rollout.Strategy.RESTART);
            Duration timeout = fields.optional("timeout").flatMap(v -> v.duration(MIN_ROLLOUT_TIMEOUT, MAX_ROLLOUT_TIMEOUT))
                    .orElse(Rollout.DEFAULT_TIMEOUT);
            return new Rollout(strategy, timeout);
        }).orElse(Rollout.DEFAULT);
    }

    // --- shared ------------------------------------------------------------------------------

    /** A DNS-1123 label unique among its siblings (disk or network names). */
    private Optional<String> uniqueLabel(Value value, String what, Map<String, SourceLocation> seen) {
        return value.string().filter(name -> {
            if (!PartitionName.isValid(name)) {
                value.error("invalid " + what + " name \"" + name + "\": " + DNS_LABEL_RULE);
                return false;
            }
            SourceLocation first = seen.putIfAbsent(name, value.at());
            if (first != null) {
                value.error("duplicate " + what + " name \"" + name + "\"; already used at line " + first.line());
                return false;
            }
            return true;
        });
    }

    private static String lowerCase(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }
}
