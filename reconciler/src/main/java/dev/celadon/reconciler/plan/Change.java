package dev.celadon.reconciler.plan;

/** One field that differs between what runs and what Git says, e.g. {@code cpus 1 → 2}. */
public record Change(String field, String from, String to) {
    @Override
    public String toString() {
        return field + " " + from + " → " + to;
    }
}
