package dev.celadon.reconciler.spec;

import java.util.List;

/**
 * Host policy the validation needs beyond the spec itself.
 *
 * @param passthroughAllowed device paths (or their parent folders) specs may pass through,
 *                           from {@code celadon.passthrough.allowed}
 */
public record SpecRules(List<String> passthroughAllowed) {

    public static final SpecRules DEFAULT = new SpecRules(List.of());

    public SpecRules {
        passthroughAllowed = List.copyOf(passthroughAllowed);
    }
}
