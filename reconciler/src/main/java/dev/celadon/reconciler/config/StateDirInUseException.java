package dev.celadon.reconciler.config;

import java.nio.file.Path;

/**
 * Another reconciler holds the state dir: two would act on the same partitions. Not a bad value (the
 * other one may just be stopping), so the main class prints the message as one line and exits with 1.
 */
public final class StateDirInUseException extends RuntimeException {

    public StateDirInUseException(Path stateDir, String holderPid) {
        super("the state dir " + stateDir + " is in use by another reconciler"
                + (holderPid.isEmpty() ? "" : " (pid " + holderPid + ")")
                + ": two would act on the same partitions; stop it first, or give this one its own celadon.state-dir");
    }
}
