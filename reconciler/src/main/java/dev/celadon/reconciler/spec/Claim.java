package dev.celadon.reconciler.spec;

/** A value that must be unique across the revision (a name, a host port), and where it was claimed. */
record Claim(String value, SourceLocation at, String field) {
}
