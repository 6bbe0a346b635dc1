package dev.celadon.reconciler.source;

import dev.celadon.hypervisor.Retry;

/**
 * A sync that did not produce a new checkout. The last good checkout is still on disk. Each subtype is one
 * failure mode, builds its message from its fields (never from credentials) and says through
 * {@link #retry()} whether retrying can help:
 * <ul>
 * <li>{@link Retry#BACKOFF}: transient or repairable; retry with backoff.</li>
 * <li>{@link Retry#STALL}: the remote answered definitively; only a push to the repository changes the
 * outcome, so keep polling at the normal interval and nothing sooner.</li>
 * </ul>
 */
public abstract sealed class SourceException extends Exception
        permits RemoteUnreachableException, AuthenticationFailedException, UnknownRefException,
        SpecPathMissingException, CorruptCloneException, RevisionRefusedException {

    private final String url;

    protected SourceException(String url, String message, Throwable cause) {
        super(message, cause);
        this.url = url;
    }

    /** The repository URL, redacted. */
    public String url() {
        return url;
    }

    public abstract Retry retry();
}
