package dev.celadon.reconciler.source;

import java.nio.file.Path;

import dev.celadon.hypervisor.Retry;

/**
 * The local clone could not be read or updated (missing objects, stale locks, disk errors). The next sync
 * replaces it with a fresh clone, so a retry can help.
 */
public final class CorruptCloneException extends SourceException {

    private final Path cloneDir;
    private final String problem;

    public CorruptCloneException(String url, Path cloneDir, String problem, Throwable cause) {
        super(url, "local clone " + cloneDir + " of " + url + " is unusable: " + problem, cause);
        this.cloneDir = cloneDir;
        this.problem = problem;
    }

    public Path cloneDir() {
        return cloneDir;
    }

    public String problem() {
        return problem;
    }

    @Override
    public Retry retry() {
        return Retry.BACKOFF;
    }
}
