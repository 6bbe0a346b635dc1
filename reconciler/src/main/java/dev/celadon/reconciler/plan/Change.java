package dev.celadon.reconciler.plan;

/**
 * One field that differs between what runs and what Git says, e.g. {@code cpus 1 → 2}; or, where the
 * values are too long to show (cloud-init's files), only what it means, with {@code from} null.
 */
public record Change(String field, String from, String to) {

    /** A change told in words rather than values, e.g. {@code cloudInit changed (new instance-id)}. */
    static Change described(String field, String what) {
        return new Change(field, null, what);
    }

    @Override
    public String toString() {
        return from == null ? field + " " + to : field + " " + from + " → " + to;
    }
}
