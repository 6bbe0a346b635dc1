/**
 * Base images fetched by URL (DESIGN.md §3, disks): downloaded once per checksum into the hypervisor's
 * image cache ({@link dev.celadon.hypervisor.ImageCache}), verified, decompressed, checked for format,
 * resumed after an interruption, and removed when no spec or disk needs them any more.
 */
package dev.celadon.reconciler.images;
