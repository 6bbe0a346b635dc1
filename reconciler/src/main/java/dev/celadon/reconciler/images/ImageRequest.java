package dev.celadon.reconciler.images;

/**
 * An image the loop wants fetched: from where, and what it must turn out to be.
 *
 * @param content a partition's disk, or the appliance's own unified kernel image (docs/design.md §4 "Upgrades")
 */
public record ImageRequest(String url, Content content) {

    /** What the verified bytes must be, told from their first bytes ({@link ImageFormat}). */
    public enum Content {
        /** qcow2 naming no other file, or a raw disk with a partition table. */
        DISK,
        /** A PE/COFF executable as UEFI runs it: an appliance's unified kernel image. */
        EFI
    }

    public static ImageRequest disk(String url) {
        return new ImageRequest(url, Content.DISK);
    }
}
