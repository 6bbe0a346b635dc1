package dev.celadon.reconciler.spec;

/** What happens when a partition that should run stops on its own. */
public enum RestartPolicy {
    /** Start it again whatever the reason, guest shutdown included. */
    ALWAYS("Always"),
    /** Start it again after a crash or panic; a guest shutdown stays stopped. */
    ON_FAILURE("OnFailure"),
    /** Leave it stopped. */
    NEVER("Never");

    private final String yaml;

    RestartPolicy(String yaml) {
        this.yaml = yaml;
    }

    public String yaml() {
        return yaml;
    }
}
