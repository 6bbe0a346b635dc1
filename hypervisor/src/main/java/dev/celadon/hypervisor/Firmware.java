package dev.celadon.hypervisor;

/** Firmware used when a partition boots from its first disk instead of a kernel. */
public enum Firmware {
    BIOS,
    UEFI
}
