package dev.celadon.reconciler.status;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** One spec error of a rejected revision, as shown in status. */
@RegisterForReflection
public record ErrorView(String file, int line, int column, String field, String message, String revision) {
}
