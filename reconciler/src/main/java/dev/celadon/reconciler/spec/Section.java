package dev.celadon.reconciler.spec;

import java.util.List;
import java.util.Set;

import static dev.celadon.reconciler.spec.Kind.APPLIANCE;
import static dev.celadon.reconciler.spec.Kind.PARTITION;

/**
 * Every mapping of each kind of document and the fields it allows, in the order the docs list them.
 * The parser rejects anything else; a test holds {@code partition.schema.json} to the same table.
 */
enum Section {
    DOCUMENT(Set.of(PARTITION, APPLIANCE), "", "apiVersion", "kind", "metadata", "spec"),
    METADATA(Set.of(PARTITION, APPLIANCE), "metadata", "name", "labels"),
    SPEC(Set.of(PARTITION), "spec", "runState", "placement", "guest", "cpus", "cpuLimit", "memory", "maxMemory", "boot",
            "disks", "networks", "devices", "tpm", "integration", "restartPolicy", "shutdownGracePeriod", "deletionPolicy",
            "protected", "cloudInit", "readiness", "dependsOn", "rollout"),
    PLACEMENT(Set.of(PARTITION, APPLIANCE), "spec.placement", "appliances", "selector"),
    GUEST(Set.of(PARTITION), "spec.guest", "profile"),
    BOOT(Set.of(PARTITION), "spec.boot", "kernel", "initrd", "cmdline", "firmware", "secureBoot"),
    DISK(Set.of(PARTITION), "spec.disks[]", "name", "image", "size", "passthrough"),
    IMAGE(Set.of(PARTITION), "spec.disks[].image", "url", "sha256"),
    NETWORK(Set.of(PARTITION), "spec.networks[]", "name", "bridge", "vlan", "model", "user"),
    USER_NETWORK(Set.of(PARTITION), "spec.networks[].user", "forwards"),
    FORWARD(Set.of(PARTITION), "spec.networks[].user.forwards[]", "host", "guest"),
    DEVICE(Set.of(PARTITION), "spec.devices[]", "pci"),
    INTEGRATION(Set.of(PARTITION), "spec.integration", "heartbeat", "shutdown", "timeSync"),
    CLOUD_INIT(Set.of(PARTITION), "spec.cloudInit", "userData", "userDataFile", "networkConfig"),
    READINESS(Set.of(PARTITION), "spec.readiness", "heartbeat", "tcp", "exec"),
    TCP_READINESS(Set.of(PARTITION), "spec.readiness.tcp", "port"),
    ROLLOUT(Set.of(PARTITION), "spec.rollout", "strategy", "timeout"),
    APPLIANCE_SPEC(Set.of(APPLIANCE), "spec", "placement", "version", "image", "tries", "readyTimeout", "maintenanceWindow"),
    APPLIANCE_IMAGE(Set.of(APPLIANCE), "spec.image", "url", "sha256"),
    MAINTENANCE_WINDOW(Set.of(APPLIANCE), "spec.maintenanceWindow", "days", "start", "duration");

    /** The kinds of document the section is part of. */
    final Set<Kind> kinds;
    /** The section's path with list indices left out, e.g. {@code spec.disks[]}. */
    final String path;
    final List<String> fields;

    Section(Set<Kind> kinds, String path, String... fields) {
        this.kinds = kinds;
        this.path = path;
        this.fields = List.of(fields);
    }
}
