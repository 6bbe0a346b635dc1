package dev.celadon.hypervisor;

import java.util.Objects;

/**
 * One disk of a partition. Overlay and blank disks live in the hypervisor's state directory
 * and survive restarts of the worker; they are removed only when a partition is deleted
 * with its disks.
 */
public record DiskConfig(String name, Source source) {

    public DiskConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(source, "source");
    }

    public sealed interface Source {
    }

    /**
     * The virtual size Git asks for, rounded up to whole 512-byte sectors as qemu-img and QEMU size
     * images; 0 for a pass-through disk, and for an overlay that keeps its base image's size.
     */
    public long sizeBytes() {
        long bytes = switch (source) {
            case Overlay overlay -> overlay.sizeBytes();
            case Downloaded downloaded -> downloaded.sizeBytes();
            case Blank blank -> blank.sizeBytes();
            case Passthrough ignored -> 0;
        };
        return (bytes + 511) / 512 * 512;
    }

    /** The same disk at another size (an image disk; a pass-through disk has none). */
    public DiskConfig withSize(long bytes) {
        return switch (source) {
            case Overlay overlay -> new DiskConfig(name, new Overlay(overlay.baseImage(), bytes));
            case Downloaded downloaded -> new DiskConfig(name, new Downloaded(downloaded.url(), downloaded.sha256(), bytes));
            case Blank ignored -> new DiskConfig(name, new Blank(bytes));
            case Passthrough ignored -> this;
        };
    }

    /**
     * A copy-on-write qcow2 overlay over a base image. The base path is relative to one of the
     * image directories. {@code sizeBytes} 0 keeps the base image's virtual size.
     */
    public record Overlay(String baseImage, long sizeBytes) implements Source {
        public Overlay {
            Objects.requireNonNull(baseImage, "baseImage");
        }
    }

    /**
     * A copy-on-write qcow2 overlay over a base image fetched by URL: {@code http(s)://} or {@code file://} (a
     * file in an images dir). The base is the file {@link ImageCache#file} names for {@code sha256}, the
     * checksum of the bytes as served; the reconciler downloads and verifies it, the hypervisor only opens it
     * and waits ({@link HostFileMissingException}) while it is not there. {@code sizeBytes} as for an overlay.
     */
    public record Downloaded(String url, String sha256, long sizeBytes) implements Source {
        public Downloaded {
            Objects.requireNonNull(url, "url");
            Objects.requireNonNull(sha256, "sha256");
        }
    }

    /** A blank qcow2 disk of the given virtual size. */
    public record Blank(long sizeBytes) implements Source {
    }

    /** A host block device handed to the guest as virtio-scsi + scsi-block. */
    public record Passthrough(String devicePath) implements Source {
        public Passthrough {
            Objects.requireNonNull(devicePath, "devicePath");
        }
    }
}
