package dev.celadon.reconciler.spec;

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

    /** What is wrong with a boot file or base image path, or empty. */
    static Optional<String> checkImagePath(String path) {
        String problem = null;
        if (path.isEmpty()) {
            problem = "it is empty";
        } else if (path.startsWith("/")) {
            problem = "it starts with \"/\"";
        } else if (hasControlCharacter(path)) {
            problem = "it contains a control character";
        } else if (path.indexOf('\\') >= 0) {
            problem = "it contains a backslash";
        } else if (path.indexOf('~') >= 0) {
            problem = "it contains \"~\"";
        } else if (List.of(path.split("/", -1)).contains("..")) {
            problem = "it has a \"..\" segment";
        }
        return Optional.ofNullable(problem).map(p -> "invalid image path \"" + path + "\": " + p
                + "; use a path relative to the image directories, e.g. tiny/vmlinuz");
    }

    /** What is wrong with a pass-through device path under the appliance's policy, or empty. */
    static Optional<String> checkPassthrough(String path, List<String> allowed) {
        if (!path.startsWith("/") || hasControlCharacter(path) || path.length() < 2) {
            return Optional.of("invalid device path \"" + path + "\": use an absolute path such as /dev/disk/by-id/scsi-XYZ");
        }
        if (!Path.of(path).normalize().toString().equals(path)) {
            return Optional.of("invalid device path \"" + path + "\": write it normalized, without \".\" or \"..\" segments, \"//\" or a trailing \"/\"");
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
        return text.chars().anyMatch(c -> c < 0x20 || c == 0x7f);
    }
}
