package dev.celadon.reconciler.config;

import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code celadon.*} keys (those of {@link CeladonConfig}; a test holds the two together), for what
 * SmallRye does not say about a key that is not one of them: which key was meant, and whether an
 * environment variable named one at all. SmallRye ignores a {@code CELADON_*} variable that maps to no key,
 * so a typo in {@code CELADON_GIT_URL} would start the reconciler on the demo repository.
 */
public final class ConfigKeys {

    /** A map's keys: {@code celadon.appliance.labels.rack=r12}. */
    static final String ANY = "*";
    static final List<String> ALL = List.of(
            "celadon.git.url", "celadon.git.branch", "celadon.git.ref", "celadon.git.path", "celadon.git.poll-interval",
            "celadon.git.ssh-key-file", "celadon.git.known-hosts-file", "celadon.git.token-file",
            "celadon.git.verify", "celadon.git.trusted-keys-file", "celadon.git.allowed-signers-file",
            "celadon.state-dir", "celadon.images.dirs", "celadon.images.max-bytes", "celadon.images.cache-retention",
            "celadon.images.ca-file", "celadon.images.credentials." + ANY + ".url-prefix",
            "celadon.images.credentials." + ANY + ".token-file", "celadon.images.credentials." + ANY + ".password-file",
            "celadon.passthrough.allowed",
            "celadon.appliance.name", "celadon.appliance.labels." + ANY, "celadon.appliance.boot-file",
            "celadon.network.uplink", "celadon.network.address", "celadon.network.gateway", "celadon.network.dns",
            "celadon.network.bridges." + ANY + ".uplink",
            "celadon.hypervisor.qemu-binary", "celadon.hypervisor.accel", "celadon.hypervisor.reserved-memory",
            "celadon.hypervisor.isolation", "celadon.hypervisor.worker-ids", "celadon.hypervisor.worker-memory-overhead",
            "celadon.hypervisor.worker-pids-max",
            "celadon.loop.enabled", "celadon.events.retained");
    private static final String ENV_PREFIX = "CELADON_";
    /** More edits than this and a key is not a typo of another. */
    private static final int MAX_TYPOS = 3;

    private ConfigKeys() {
    }

    /**
     * One line per {@code CELADON_*} variable of {@code environment} that names no key, without its value:
     * a misnamed variable may hold what should never be shown.
     */
    public static List<String> unknownVariables(Map<String, String> environment) {
        List<String> variables = ALL.stream().map(ConfigKeys::variable).toList();
        return environment.keySet().stream().sorted()
                .filter(name -> name.startsWith(ENV_PREFIX) && variables.stream().noneMatch(v -> names(v, name)))
                .map(name -> name + ": no such key (an environment variable); " + hint(name, variables))
                .toList();
    }

    /** The line for a key SmallRye found set in {@code where} that is no key. */
    static String unknownKey(String key, String where) {
        return key + ": no such key (" + where + "); " + hint(key, ALL);
    }

    /** {@code celadon.git.poll-interval} → {@code CELADON_GIT_POLL_INTERVAL}, as SmallRye maps them. */
    private static String variable(String key) {
        return key.replaceAll("[^A-Za-z0-9*]", "_").toUpperCase(Locale.ROOT);
    }

    /** A variable names a key: exactly, or with any non-empty name where the key has {@link #ANY}. */
    private static boolean names(String variable, String name) {
        int any = variable.indexOf(ANY);
        if (any >= 0) {
            String prefix = variable.substring(0, any);
            String suffix = variable.substring(any + ANY.length());
            return name.startsWith(prefix) && name.endsWith(suffix) && name.length() > prefix.length() + suffix.length();
        }
        return name.equals(variable);
    }

    private static String hint(String wrong, List<String> known) {
        return closest(wrong, known).map(key -> "did you mean " + key + "?")
                .orElse("the keys are " + String.join(", ", known));
    }

    /** The key meant: one a few edits away, or one the wrong key cuts short ({@code celadon.git.poll}). */
    private static Optional<String> closest(String wrong, List<String> known) {
        return known.stream()
                .filter(key -> distance(wrong, key) <= typos(key)
                        || key.startsWith(wrong) && key.lastIndexOf('.') == wrong.lastIndexOf('.'))
                .min(Comparator.comparingInt(key -> distance(wrong, key)));
    }

    /** The edits a typo of {@code key} may have: a third of its last word, 1 to 3, so "poll" is no typo of "url". */
    private static int typos(String key) {
        int lastWord = key.length() - Math.max(key.lastIndexOf('.'), key.lastIndexOf('_')) - 1;
        return Math.clamp(lastWord / 3, 1, MAX_TYPOS);
    }

    /** Levenshtein's: the fewest insertions, deletions and substitutions from one to the other. */
    static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
