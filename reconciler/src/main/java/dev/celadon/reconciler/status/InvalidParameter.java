package dev.celadon.reconciler.status;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** The body of a 400: which query parameter had which value, and what it may be. */
@RegisterForReflection
public record InvalidParameter(String parameter, String value, String message) {
}
