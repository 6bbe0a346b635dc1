package dev.celadon.reconciler.spec;

import java.util.List;

/**
 * Every mapping of a partition document and the fields it allows, in the order the docs list them.
 * The parser rejects anything else; a test holds {@code partition.schema.json} to the same table.
 */
enum Section {
    DOCUMENT("", "apiVersion", "kind", "metadata", "spec"),
    METADATA("metadata", "name", "labels"),
    SPEC("spec", "runState", "placement", "guest", "cpus", "cpuLimit", "memory", "maxMemory", "boot", "disks", "networks",
            "devices", "tpm", "integration", "restartPolicy", "shutdownGracePeriod", "deletionPolicy", "protected", "cloudInit",
            "readiness", "dependsOn", "rollout"),
    PLACEMENT("spec.placement", "appliances", "selector"),
    GUEST("spec.guest", "profile"),
    BOOT("spec.boot", "kernel", "initrd", "cmdline", "firmware", "secureBoot"),
    DISK("spec.disks[]", "name", "image", "size", "passthrough"),
    IMAGE("spec.disks[].image", "url", "sha256"),
    NETWORK("spec.networks[]", "name", "bridge", "vlan", "model", "user"),
    USER_NETWORK("spec.networks[].user", "forwards"),
    FORWARD("spec.networks[].user.forwards[]", "host", "guest"),
    DEVICE("spec.devices[]", "pci"),
    INTEGRATION("spec.integration", "heartbeat", "shutdown", "timeSync"),
    CLOUD_INIT("spec.cloudInit", "userData", "userDataFile", "networkConfig"),
    READINESS("spec.readiness", "heartbeat", "tcp", "exec"),
    TCP_READINESS("spec.readiness.tcp", "port"),
    ROLLOUT("spec.rollout", "strategy", "timeout");

    /** The section's path with list indices left out, e.g. {@code spec.disks[]}. */
    final String path;
    final List<String> fields;

    Section(String path, String... fields) {
        this.path = path;
        this.fields = List.of(fields);
    }
}
