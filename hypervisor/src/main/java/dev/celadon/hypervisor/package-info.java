/**
 * The hypervisor SPI: the Linux counterpart of Hyper-V's virtualization stack in the parent
 * partition. {@link dev.celadon.hypervisor.Hypervisor} starts, observes and adopts one
 * {@link dev.celadon.hypervisor.Worker} per partition; {@link dev.celadon.hypervisor.VmConfig} is
 * the value that describes a partition to it. Plain Java: no Quarkus, CDI, JGit or YAML here.
 */
package dev.celadon.hypervisor;
