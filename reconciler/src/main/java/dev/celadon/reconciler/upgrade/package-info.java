/**
 * A/B upgrades of the appliance: a new version's unified kernel image is staged in the other slot's
 * {@code EFI/Linux} on trial, systemd-boot boots it while it has tries left, and the appliance blesses it
 * once it runs, or systemd-boot falls back to the good one. {@link dev.celadon.reconciler.upgrade.UkiImage},
 * {@link dev.celadon.reconciler.upgrade.BootVersions} and {@link dev.celadon.reconciler.upgrade.BootEntry}
 * mirror what systemd-boot 252 (Debian 12) reads and how it orders its entries, so that Celadon predicts
 * which image it boots before renaming a file.
 */
package dev.celadon.reconciler.upgrade;
