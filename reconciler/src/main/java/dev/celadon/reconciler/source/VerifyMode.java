package dev.celadon.reconciler.source;

import java.util.Locale;

import org.eclipse.jgit.lib.GpgConfig.GpgFormat;

/** {@code celadon.git.verify}: which signatures make a revision acceptable (DESIGN.md §4). */
public enum VerifyMode {
    /** Every revision is applied, signed or not. */
    NONE,
    /** An OpenPGP signature by a key of {@code celadon.git.trusted-keys-file}. */
    OPENPGP,
    /** An SSH signature by a key of {@code celadon.git.allowed-signers-file}. */
    SSH,
    /** Either, each against its own file; at least one of the two files must be set. */
    ANY;

    public static final String KEY = "celadon.git.verify";

    /** The value as written in the configuration, in any case. */
    public static VerifyMode parse(String value) {
        return switch (value == null ? "" : value.strip().toLowerCase(Locale.ROOT)) {
            case "none" -> NONE;
            case "openpgp" -> OPENPGP;
            case "ssh" -> SSH;
            case "any" -> ANY;
            default -> throw new IllegalArgumentException(KEY + "=" + value + ": must be none, openpgp, ssh or any");
        };
    }

    /** True when a signature of {@code format} may count. */
    boolean accepts(GpgFormat format) {
        return switch (this) {
            case NONE -> false;
            case OPENPGP -> format == GpgFormat.OPENPGP;
            case SSH -> format == GpgFormat.SSH;
            case ANY -> format == GpgFormat.OPENPGP || format == GpgFormat.SSH;
        };
    }

    /** As configured: {@code openpgp}. */
    public String value() {
        return name().toLowerCase(Locale.ROOT);
    }
}
