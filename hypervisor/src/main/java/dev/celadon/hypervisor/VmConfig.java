package dev.celadon.hypervisor;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything the hypervisor needs to run one partition. A value: two equal configs produce the
 * same worker. Paths are relative to the configured image directories and are confined there
 * by the hypervisor when it resolves them.
 *
 * @param memoryBytes    boot memory
 * @param maxMemoryBytes the ceiling for live memory changes; equal to memoryBytes when the
 *                       partition has no balloon headroom
 * @param cloudInit      the NoCloud seed attached read-only, when the spec has {@code cloudInit}
 * @param tpm            a TPM 2.0 whose state lives with the partition's disks (its own swtpm process)
 * @param cpuLimitMillicores the CPU time the worker may use, in thousandths of a core (its cgroup's
 *                       {@code cpu.max}); 0 for no limit beyond its vCPUs
 */
public record VmConfig(
        PartitionName name,
        GuestProfile profile,
        int cpus,
        long memoryBytes,
        long maxMemoryBytes,
        BootConfig boot,
        List<DiskConfig> disks,
        List<NetworkConfig> networks,
        List<PciAddress> devices,
        IntegrationServices integration,
        Duration shutdownGracePeriod,
        Optional<CloudInit> cloudInit,
        boolean tpm,
        int cpuLimitMillicores) {

    /** The smallest limit: cgroup v2's cpu.max takes at least 1 ms of quota per 100 ms period. */
    public static final int MIN_CPU_LIMIT_MILLICORES = 10;

    public VmConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(profile, "profile");
        Objects.requireNonNull(boot, "boot");
        Objects.requireNonNull(integration, "integration");
        Objects.requireNonNull(shutdownGracePeriod, "shutdownGracePeriod");
        Objects.requireNonNull(cloudInit, "cloudInit");
        if (cpus < 1) {
            throw new IllegalArgumentException("cpus must be at least 1: " + cpus);
        }
        if (memoryBytes <= 0 || maxMemoryBytes < memoryBytes) {
            throw new IllegalArgumentException("need 0 < memory <= maxMemory: " + memoryBytes + ", " + maxMemoryBytes);
        }
        if (cpuLimitMillicores != 0 && cpuLimitMillicores < MIN_CPU_LIMIT_MILLICORES) {
            throw new IllegalArgumentException("cpuLimit must be 0 (none) or at least " + MIN_CPU_LIMIT_MILLICORES
                    + " millicores: " + cpuLimitMillicores);
        }
        disks = List.copyOf(disks);
        networks = List.copyOf(networks);
        devices = List.copyOf(devices);
    }

    /** A machine without a CPU limit. */
    public VmConfig(PartitionName name, GuestProfile profile, int cpus, long memoryBytes, long maxMemoryBytes,
                    BootConfig boot, List<DiskConfig> disks, List<NetworkConfig> networks, List<PciAddress> devices,
                    IntegrationServices integration, Duration shutdownGracePeriod, Optional<CloudInit> cloudInit,
                    boolean tpm) {
        this(name, profile, cpus, memoryBytes, maxMemoryBytes, boot, disks, networks, devices, integration,
                shutdownGracePeriod, cloudInit, tpm, 0);
    }

    /** A machine without a TPM. */
    public VmConfig(PartitionName name, GuestProfile profile, int cpus, long memoryBytes, long maxMemoryBytes,
                    BootConfig boot, List<DiskConfig> disks, List<NetworkConfig> networks, List<PciAddress> devices,
                    IntegrationServices integration, Duration shutdownGracePeriod, Optional<CloudInit> cloudInit) {
        this(name, profile, cpus, memoryBytes, maxMemoryBytes, boot, disks, networks, devices, integration,
                shutdownGracePeriod, cloudInit, false, 0);
    }

    /** A machine without a cloud-init seed. */
    public VmConfig(PartitionName name, GuestProfile profile, int cpus, long memoryBytes, long maxMemoryBytes,
                    BootConfig boot, List<DiskConfig> disks, List<NetworkConfig> networks, List<PciAddress> devices,
                    IntegrationServices integration, Duration shutdownGracePeriod) {
        this(name, profile, cpus, memoryBytes, maxMemoryBytes, boot, disks, networks, devices, integration,
                shutdownGracePeriod, Optional.empty(), false, 0);
    }

    /** True when the guest has the management channel: enlightened profiles with any integration service. */
    public boolean hasAgentChannel() {
        return profile != GuestProfile.LEGACY && integration.any();
    }

    /** The same machine with another live memory target; the only change applied without a restart. */
    public VmConfig withMemory(long bytes) {
        return new VmConfig(name, profile, cpus, bytes, maxMemoryBytes, boot, disks, networks, devices,
                integration, shutdownGracePeriod, cloudInit, tpm, cpuLimitMillicores);
    }

    public VmConfig withDisks(List<DiskConfig> value) {
        return new VmConfig(name, profile, cpus, memoryBytes, maxMemoryBytes, boot, value, networks, devices,
                integration, shutdownGracePeriod, cloudInit, tpm, cpuLimitMillicores);
    }

    public VmConfig withCloudInit(Optional<CloudInit> value) {
        return new VmConfig(name, profile, cpus, memoryBytes, maxMemoryBytes, boot, disks, networks, devices,
                integration, shutdownGracePeriod, value, tpm, cpuLimitMillicores);
    }

    public VmConfig withTpm(boolean value) {
        return new VmConfig(name, profile, cpus, memoryBytes, maxMemoryBytes, boot, disks, networks, devices,
                integration, shutdownGracePeriod, cloudInit, value, cpuLimitMillicores);
    }

    public VmConfig withCpuLimit(int millicores) {
        return new VmConfig(name, profile, cpus, memoryBytes, maxMemoryBytes, boot, disks, networks, devices,
                integration, shutdownGracePeriod, cloudInit, tpm, millicores);
    }
}
