package dev.celadon.reconciler.source;

import dev.celadon.hypervisor.Retry;

/** The remote could not be reached or broke off: connection refused, timeout, unknown host, no repository. */
public final class RemoteUnreachableException extends SourceException {

    private final String problem;

    public RemoteUnreachableException(String url, String problem, Throwable cause) {
        super(url, "cannot fetch from " + url + ": " + problem, cause);
        this.problem = problem;
    }

    public String problem() {
        return problem;
    }

    @Override
    public Retry retry() {
        return Retry.BACKOFF;
    }
}
