package dev.celadon.reconciler.spec;

import dev.celadon.hypervisor.VmConfigRules;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The lexical half of path confinement. Whoever can commit to the Git repository may define
 * machines, but must not make the appliance read its own files: boot files and base images are
 * relative paths inside the image directories, and only allowed devices may be passed through.
 * The hypervisor resolves symbolic links when it opens the files; this is the part a spec can be
 * rejected for before anything runs.
 */
final class PathRules {

    private PathRules() {
    }

    /** What is wrong with a boot file or base image path, or empty: the hypervisor's own rule. */
    static Optional<String> checkImagePath(String path) {
        return VmConfigRules.imagePathProblem(path);
    }

    /** What is wrong with a pass-through device path under the appliance's policy, or empty. */
    static Optional<String> checkPassthrough(String path, List<String> allowed) {
        Optional<String> form = VmConfigRules.devicePathProblem(path);
        if (form.isPresent()) {
            return form;
        }
        if (allowed.isEmpty()) {
            return Optional.of("pass-through is disabled on this appliance (celadon.passthrough.allowed is empty)");
        }
        Path device = Path.of(path);
        if (allowed.stream().noneMatch(prefix -> device.startsWith(Path.of(prefix)))) {
            return Optional.of("\"" + path + "\" may not be passed through; allowed: " + String.join(", ", allowed)
                    + " (celadon.passthrough.allowed)");
        }
        return Optional.empty();
    }

    static boolean hasControlCharacter(String text) {
        return VmConfigRules.hasControlCharacter(text);
    }
}
