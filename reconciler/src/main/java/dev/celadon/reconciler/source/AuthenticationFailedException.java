package dev.celadon.reconciler.source;

import dev.celadon.hypervisor.Retry;

/**
 * The remote refused our credentials, we could not read them, or (ssh) the server's host key is not in the
 * known hosts file. Credential files are read again at every fetch, so fixing them needs no restart; until
 * then each retry fails the same way, hence backoff.
 */
public final class AuthenticationFailedException extends SourceException {

    private final String problem;

    public AuthenticationFailedException(String url, String problem, Throwable cause) {
        super(url, "authentication with " + url + " failed: " + problem, cause);
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
