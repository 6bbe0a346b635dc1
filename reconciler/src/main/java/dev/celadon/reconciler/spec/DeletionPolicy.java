package dev.celadon.reconciler.spec;

/** What happens to a partition's disks when its spec is removed from Git. */
public enum DeletionPolicy {
    RETAIN("Retain"),
    DELETE("Delete");

    private final String yaml;

    DeletionPolicy(String yaml) {
        this.yaml = yaml;
    }

    public String yaml() {
        return yaml;
    }
}
