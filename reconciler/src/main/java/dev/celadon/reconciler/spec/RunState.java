package dev.celadon.reconciler.spec;

/** The desired power state of a partition. */
public enum RunState {
    RUNNING("Running"),
    STOPPED("Stopped");

    private final String yaml;

    RunState(String yaml) {
        this.yaml = yaml;
    }

    /** The spelling used in YAML and in status. */
    public String yaml() {
        return yaml;
    }
}
