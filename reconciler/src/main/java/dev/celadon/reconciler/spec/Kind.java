package dev.celadon.reconciler.spec;

/** The kinds of document a revision holds: {@code kind:} picks the reader of the rest of a document. */
enum Kind {
    /** A virtual machine ({@link PartitionReader}). */
    PARTITION("Partition"),
    /** The version of Celadon's own OS image an appliance runs ({@link ApplianceReader}). */
    APPLIANCE("Appliance");

    private final String yaml;

    Kind(String yaml) {
        this.yaml = yaml;
    }

    /** The spelling used in YAML. */
    String yaml() {
        return yaml;
    }
}
