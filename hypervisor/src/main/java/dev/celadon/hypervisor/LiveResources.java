package dev.celadon.hypervisor;

import java.util.Objects;
import java.util.OptionalLong;

/**
 * What a live worker's machine has now, as the hypervisor reports it rather than as it was asked for.
 *
 * @param cpus         the machine's vCPUs
 * @param memoryBytes  the machine's RAM (an enlightened guest boots with its maxMemory)
 * @param balloonBytes the memory the guest has now through the balloon, empty without one (legacy guests);
 *                     it follows a live memory change as the guest's balloon driver gives memory back
 */
public record LiveResources(int cpus, long memoryBytes, OptionalLong balloonBytes) {

    public LiveResources {
        Objects.requireNonNull(balloonBytes, "balloonBytes");
    }
}
