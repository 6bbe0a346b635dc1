package dev.celadon.reconciler.upgrade;

import io.quarkus.runtime.annotations.RegisterForReflection;

import java.time.Instant;

/**
 * Status's {@code appliance.upgrade}: the version an Appliance document asks for (or the one on trial), where the
 * switch to it stands, in words, and since when it stands there.
 *
 * @param state {@code Downloading}, {@code Staged} (in the inactive slot, waiting for the maintenance window or
 *              for the running version to be marked good), {@code Rebooting} (stopping partitions, then the
 *              reboot), {@code Trying} (this boot is the new version's, not marked good yet), {@code Done}
 *              (running it, marked good) or {@code Failed}
 */
@RegisterForReflection
public record UpgradeStatus(String version, String state, String message, Instant since) {
}
