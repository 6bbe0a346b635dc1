package dev.celadon.reconciler.config;

import io.quarkus.runtime.QuarkusBindException;
import io.smallrye.config.ConfigValidationException;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Why the reconciler did not start, said the way an operator can act on: one line per problem, each
 * naming the key, the value and what is allowed, and an exit status, 2 for a configuration error and 1
 * for the rest. The appliance has no shell to read a stack trace from; its console shows these lines.
 *
 * @param lines      without a prefix; the main class adds {@code celadon: }
 * @param exitStatus {@link #EXIT_CONFIG} or 1
 */
public record StartupFailure(List<String> lines, int exitStatus) {

    /** A configuration error, as the command line's usage errors. */
    public static final int EXIT_CONFIG = 2;
    private static final int EXIT_REFUSED = 1;

    /** SmallRye's messages (SRCFG codes are stable across its versions; a test pins these two). */
    private static final Pattern BAD_VALUE = Pattern.compile(
            "SRCFG00039: The config property (\\S+) with the config value \"(.*)\" threw an Exception whilst being converted"
                    + " (?:SRCFG\\d+: )?(.*)", Pattern.DOTALL);
    private static final Pattern UNKNOWN_KEY = Pattern.compile("SRCFG00050: (\\S+) in (.+) does not map to any root",
            Pattern.DOTALL);
    /** A properties file with the line a key is on: {@code PropertiesConfigSource[source=file:/x.properties]:12}. */
    private static final Pattern FILE_LINE = Pattern.compile(".*\\[source=(?:file:)?(.+?)](?::(\\d+))?");

    /**
     * What to tell the operator about {@code failure}; empty for a failure no operator caused (a bug),
     * which the main class logs whole.
     */
    public static Optional<StartupFailure> of(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            switch (cause) {
                case ConfigValidationException e -> {
                    return Optional.of(new StartupFailure(lines(e), EXIT_CONFIG));
                }
                case ConfigException e -> {
                    return Optional.of(new StartupFailure(List.of(e.getMessage()), EXIT_CONFIG));
                }
                case StateDirInUseException e -> {
                    return Optional.of(new StartupFailure(List.of(e.getMessage()), EXIT_REFUSED));
                }
                case QuarkusBindException e -> {
                    return Optional.of(new StartupFailure(List.of("quarkus.http.port=" + e.getPort()
                            + ": in use by another process; stop it, or set another port"), EXIT_REFUSED));
                }
                default -> { }
            }
        }
        return Optional.empty();
    }

    private static List<String> lines(ConfigValidationException e) {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < e.getProblemCount(); i++) {
            lines.add(line(e.getProblem(i).getMessage()));
        }
        return lines;
    }

    /** One of SmallRye's problems as {@code key=value: what is allowed}, or else its own words without the code. */
    static String line(String problem) {
        String message = problem.substring(Math.max(0, problem.indexOf("SRCFG")));
        Matcher bad = BAD_VALUE.matcher(message);
        if (bad.matches()) {
            return bad.group(1) + "=" + bad.group(2) + ": " + bad.group(3);
        }
        Matcher unknown = UNKNOWN_KEY.matcher(message);
        if (unknown.matches()) {
            return ConfigKeys.unknownKey(unknown.group(1), where(unknown.group(2)));
        }
        return message.replaceFirst("^SRCFG\\d+: ", "").strip().replaceAll("\\s*\\n\\s*", "; ");
    }

    /** Where SmallRye found a key, as an operator names it. */
    private static String where(String source) {
        if (source.startsWith("SysPropConfigSource")) {
            return "a system property: -D, or the appliance's kernel command line";
        }
        Matcher file = FILE_LINE.matcher(source);
        if (file.matches()) {
            return file.group(2) == null ? file.group(1) : file.group(1) + ":" + file.group(2);
        }
        return source;
    }
}
