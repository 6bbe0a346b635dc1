package dev.celadon.reconciler.spec;

/**
 * How much a revision may hold. Whoever can commit can write anything; the reconciler runs in a 64 MiB
 * heap ({@code appliance/jvm.options}) and must read every revision to its end, or to a positioned
 * error, without running out of it. Each limit is far above what a real fleet commits, and each is
 * checked before the memory it guards is spent: sizes before a file is read, nodes and aliases while
 * a document is composed, counts as documents and errors arrive. {@code docs/design.md} §3 "Input
 * limits" lists them for users.
 */
final class InputLimits {

    /**
     * A spec file's size, checked before it is read: Kubernetes' limit on a ConfigMap, some 2,000
     * ordinary partitions. While a file is read its text, its bytes and the current document's nodes are
     * held at once.
     */
    static final int MAX_FILE_BYTES = 1 << 20;

    /** All spec files of a revision together, summed before each file is read: 16 times the file limit. */
    static final long MAX_REVISION_BYTES = 16L << 20;

    /**
     * Spec files in a revision, counted while the folder is walked: every path found is held until the
     * walk ends, and a file of no bytes would pass the size limits. One file per partition fits.
     */
    static final int MAX_FILES = 10_000;

    /**
     * The names of a revision's spec files together, relative to the spec folder, counted while the folder
     * is walked: each path found is held until the walk ends, and each partition keeps its file's name. A
     * hundred characters for each of 10,000 files; folders nested to the length Linux allows would otherwise
     * make 10,000 paths take 40 MB.
     */
    static final int MAX_NAME_CHARS = 1 << 20;

    /**
     * Documents in a revision (each one partition or Appliance document, valid or not), counted as they are
     * composed. 10,000 ordinary partitions keep 8 MB of heap (ShippedHeapTest loads them under the shipped options).
     */
    static final int MAX_DOCUMENTS = 10_000;

    /**
     * What the documents of a revision take of the heap once read, by {@link Footprint}'s estimate, summed
     * as each partition is kept. An ordinary partition is estimated at 1.3 KiB, so 10,000 of them fit; without
     * this limit, 16 MiB of files of labels or appliance names would take up to 20 times their size.
     */
    static final long MAX_KEPT_BYTES = 16L << 20;

    /**
     * YAML nodes of one document (every mapping, list, key and value), an alias counting as all the nodes
     * it stands for. A node costs some 200 bytes while composed, and the reader walks what aliases stand for
     * as if written out. A partition with every field set has about 100.
     */
    static final int MAX_DOCUMENT_NODES = 10_000;

    /**
     * How long a file may be written out, every alias replaced by what it stands for, as a multiple of its
     * length; a node counts one character besides its text. SnakeYAML shares an aliased node, but every
     * message that quotes a value and every walk of the reader pays for it again. A 133 KB file aliasing a
     * 100 KiB label value 1,999 times (200 MB written out) is an error at its second alias.
     */
    static final int MAX_EXPANSION = 2;

    /**
     * Errors listed for a revision; reading stops at the next one, which says so. A committer fixes the first
     * screenful anyway, and each error is held, sorted and shown on the status endpoint.
     */
    static final int MAX_ERRORS = 1_000;

    /**
     * The longest field path or message an error shows; longer ones keep their start and end (what was
     * found, and what to write instead) around an ellipsis. A message quotes the value at fault, and a value
     * can be as long as its file.
     */
    static final int MAX_MESSAGE_CHARS = 400;

    /**
     * A cloud-init user-data, inline or in its {@code userDataFile} (checked before the file is read), in
     * UTF-8 bytes: Azure's limit, four times EC2's. It is kept with the partition and written into the seed
     * drive ({@code SeedImage} holds the largest user-data and network config with room to spare).
     */
    static final int MAX_USER_DATA_BYTES = 64 << 10;

    /** A cloud-init network config, in UTF-8 bytes: a netplan-style config of a few dozen interfaces. */
    static final int MAX_NETWORK_CONFIG_BYTES = 16 << 10;

    private InputLimits() {
    }
}
