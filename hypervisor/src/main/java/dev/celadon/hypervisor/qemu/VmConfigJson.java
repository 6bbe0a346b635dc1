package dev.celadon.hypervisor.qemu;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.celadon.hypervisor.BootConfig;
import dev.celadon.hypervisor.CloudInit;
import dev.celadon.hypervisor.DiskConfig;
import dev.celadon.hypervisor.Firmware;
import dev.celadon.hypervisor.GuestProfile;
import dev.celadon.hypervisor.IntegrationServices;
import dev.celadon.hypervisor.NetworkConfig;
import dev.celadon.hypervisor.NicModel;
import dev.celadon.hypervisor.PartitionName;
import dev.celadon.hypervisor.PciAddress;
import dev.celadon.hypervisor.VmConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * {@link VmConfig} to and from JSON, written out by hand: the SPI records stay free of Jackson
 * annotations, the sealed hierarchies get explicit {@code type} tags, and field order is fixed, so
 * the hash of the JSON is a stable fingerprint of the config. A field added later is written only when
 * set, so the JSON and the hash of a config without it stay what older versions wrote. Public for the
 * reconciler's ledger, which keeps a partition's previous config for a Try rollout.
 */
public final class VmConfigJson {

    private static final ObjectMapper JSON = new ObjectMapper();

    private VmConfigJson() {
    }

    public static ObjectNode toJson(VmConfig c) {
        ObjectNode o = JSON.createObjectNode();
        o.put("name", c.name().value());
        o.put("profile", c.profile().name());
        o.put("cpus", c.cpus());
        o.put("memoryBytes", c.memoryBytes());
        o.put("maxMemoryBytes", c.maxMemoryBytes());
        ObjectNode boot = o.putObject("boot");
        switch (c.boot()) {
            case BootConfig.Kernel k -> {
                boot.put("type", "kernel").put("kernel", k.kernel()).put("cmdline", k.cmdline());
                k.initrd().ifPresent(initrd -> boot.put("initrd", initrd));
            }
            case BootConfig.FromDisk d -> {
                boot.put("type", "disk").put("firmware", d.firmware().name());
                if (d.secureBoot()) {
                    boot.put("secureBoot", true);
                }
            }
        }
        ArrayNode disks = o.putArray("disks");
        for (DiskConfig d : c.disks()) {
            ObjectNode disk = disks.addObject().put("name", d.name());
            switch (d.source()) {
                case DiskConfig.Overlay ov -> disk.put("type", "overlay").put("image", ov.baseImage()).put("sizeBytes", ov.sizeBytes());
                case DiskConfig.Downloaded dl -> disk.put("type", "downloaded").put("url", dl.url()).put("sha256", dl.sha256())
                        .put("sizeBytes", dl.sizeBytes());
                case DiskConfig.Blank b -> disk.put("type", "blank").put("sizeBytes", b.sizeBytes());
                case DiskConfig.Passthrough p -> disk.put("type", "passthrough").put("device", p.devicePath());
            }
        }
        ArrayNode networks = o.putArray("networks");
        for (NetworkConfig n : c.networks()) {
            ObjectNode network = networks.addObject().put("name", n.name());
            switch (n.attachment()) {
                case NetworkConfig.Bridge b -> {
                    network.put("type", "bridge").put("bridge", b.bridge());
                    // Only when set, like the model: a running worker's config hash stays what it was.
                    b.vlan().ifPresent(v -> network.put("vlan", v));
                }
                case NetworkConfig.User u -> {
                    ArrayNode forwards = network.put("type", "user").putArray("forwards");
                    u.forwards().forEach(f -> forwards.addObject().put("host", f.hostPort()).put("guest", f.guestPort()));
                }
            }
            n.model().ifPresent(m -> network.put("model", m.specName()));
        }
        ArrayNode devices = o.putArray("devices");
        c.devices().forEach(d -> devices.add(d.value()));
        o.putObject("integration").put("heartbeat", c.integration().heartbeat()).put("shutdown", c.integration().shutdown())
                .put("timeSync", c.integration().timeSync());
        o.put("shutdownGracePeriodMillis", c.shutdownGracePeriod().toMillis());
        c.cloudInit().ifPresent(ci -> {
            ObjectNode cloudInit = o.putObject("cloudInit").put("userData", ci.userData()).put("metaData", ci.metaData());
            ci.networkConfig().ifPresent(n -> cloudInit.put("networkConfig", n));
        });
        if (c.tpm()) {
            o.put("tpm", true);
        }
        // Absent without a limit: the hashes of the machines recorded before cpuLimit existed stay theirs.
        if (c.cpuLimitMillicores() != 0) {
            o.put("cpuLimitMillicores", c.cpuLimitMillicores());
        }
        return o;
    }

    public static VmConfig fromJson(JsonNode o) {
        JsonNode b = o.path("boot");
        BootConfig boot = switch (b.path("type").asText()) {
            case "kernel" -> new BootConfig.Kernel(b.path("kernel").asText(),
                    b.has("initrd") ? Optional.of(b.path("initrd").asText()) : Optional.empty(), b.path("cmdline").asText());
            case "disk" -> new BootConfig.FromDisk(Firmware.valueOf(b.path("firmware").asText()), b.path("secureBoot").asBoolean(false));
            default -> throw new IllegalArgumentException("unknown boot type " + b.path("type"));
        };
        List<DiskConfig> disks = new ArrayList<>();
        for (JsonNode d : o.path("disks")) {
            DiskConfig.Source source = switch (d.path("type").asText()) {
                case "overlay" -> new DiskConfig.Overlay(d.path("image").asText(), d.path("sizeBytes").asLong());
                case "downloaded" -> new DiskConfig.Downloaded(d.path("url").asText(), d.path("sha256").asText(),
                        d.path("sizeBytes").asLong());
                case "blank" -> new DiskConfig.Blank(d.path("sizeBytes").asLong());
                case "passthrough" -> new DiskConfig.Passthrough(d.path("device").asText());
                default -> throw new IllegalArgumentException("unknown disk type " + d.path("type"));
            };
            disks.add(new DiskConfig(d.path("name").asText(), source));
        }
        List<NetworkConfig> networks = new ArrayList<>();
        for (JsonNode n : o.path("networks")) {
            NetworkConfig.Attachment attachment = switch (n.path("type").asText()) {
                case "bridge" -> new NetworkConfig.Bridge(n.path("bridge").asText(),
                        n.has("vlan") ? OptionalInt.of(n.path("vlan").asInt()) : OptionalInt.empty());
                case "user" -> {
                    List<NetworkConfig.PortForward> forwards = new ArrayList<>();
                    n.path("forwards").forEach(f -> forwards.add(new NetworkConfig.PortForward(f.path("host").asInt(), f.path("guest").asInt())));
                    yield new NetworkConfig.User(forwards);
                }
                default -> throw new IllegalArgumentException("unknown network type " + n.path("type"));
            };
            Optional<NicModel> model = n.has("model") ? Optional.of(NicModel.fromSpec(n.path("model").asText())
                    .orElseThrow(() -> new IllegalArgumentException("unknown NIC model " + n.path("model")))) : Optional.empty();
            networks.add(new NetworkConfig(n.path("name").asText(), attachment, model));
        }
        List<PciAddress> devices = new ArrayList<>();
        o.path("devices").forEach(d -> devices.add(new PciAddress(d.asText())));
        JsonNode i = o.path("integration");
        return new VmConfig(new PartitionName(o.path("name").asText()), GuestProfile.valueOf(o.path("profile").asText()),
                o.path("cpus").asInt(), o.path("memoryBytes").asLong(), o.path("maxMemoryBytes").asLong(), boot, disks,
                networks, devices, new IntegrationServices(i.path("heartbeat").asBoolean(), i.path("shutdown").asBoolean(),
                i.path("timeSync").asBoolean()), Duration.ofMillis(o.path("shutdownGracePeriodMillis").asLong()),
                cloudInit(o.path("cloudInit")), o.path("tpm").asBoolean(false), o.path("cpuLimitMillicores").asInt(0));
    }

    /** Records written before cloud-init existed have no such field: no seed. */
    private static Optional<CloudInit> cloudInit(JsonNode c) {
        if (c.isMissingNode()) {
            return Optional.empty();
        }
        return Optional.of(new CloudInit(c.path("userData").asText(), c.path("metaData").asText(),
                c.has("networkConfig") ? Optional.of(c.path("networkConfig").asText()) : Optional.empty()));
    }

    /** SHA-256 of the canonical JSON: equal configs, equal hashes. */
    public static String hash(VmConfig config) {
        try {
            return HexFormat.of().formatHex(Identity.digest("SHA-256", JSON.writeValueAsBytes(toJson(config))));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tree of plain values always serializes", e);
        }
    }
}
