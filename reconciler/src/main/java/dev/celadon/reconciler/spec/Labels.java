package dev.celadon.reconciler.spec;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Kubernetes' rules for label keys and values, so labels and selectors move between Celadon and
 * the tools around it unchanged. Each check returns what is wrong, or empty.
 */
final class Labels {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?");
    private static final Pattern DNS_1123_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    private static final String NAME_RULE = "at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit";

    private Labels() {
    }

    static Optional<String> checkKey(String key) {
        int slash = key.indexOf('/');
        String prefix = slash < 0 ? null : key.substring(0, slash);
        String name = slash < 0 ? key : key.substring(slash + 1);
        if (prefix != null && (prefix.length() > 253 || !DNS_1123_SUBDOMAIN.matcher(prefix).matches())) {
            return Optional.of("invalid label key \"" + key + "\": the prefix before '/' must be a DNS subdomain such as example.com");
        }
        if (name.length() > 63 || !NAME.matcher(name).matches()) {
            return Optional.of("invalid label key \"" + key + "\": use an optional prefix/ and a name of " + NAME_RULE);
        }
        return Optional.empty();
    }

    static Optional<String> checkValue(String value) {
        if (!value.isEmpty() && (value.length() > 63 || !NAME.matcher(value).matches())) {
            return Optional.of("invalid label value \"" + value + "\": use an empty value or " + NAME_RULE);
        }
        return Optional.empty();
    }
}
