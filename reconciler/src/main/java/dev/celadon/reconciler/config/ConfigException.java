package dev.celadon.reconciler.config;

/**
 * A configuration value the reconciler cannot start with, found only once it acts on it (a state dir
 * that cannot be created, or that the hypervisor refuses). The main class prints the message as one line
 * and exits with status 2, as for the values refused while the configuration is read.
 */
public final class ConfigException extends RuntimeException {

    /**
     * @param problem what is wrong, for the operator: "cannot be created: Permission denied"
     */
    public ConfigException(String key, Object value, String problem, Throwable cause) {
        super(key + "=" + value + ": " + problem, cause);
    }

    /** A refusal whose message already names the key (and shows no value that might be a secret). */
    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
