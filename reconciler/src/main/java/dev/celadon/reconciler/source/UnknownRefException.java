package dev.celadon.reconciler.source;

import dev.celadon.hypervisor.Retry;

/** The remote has no such branch, tag or commit. Pushing it is what changes that. */
public final class UnknownRefException extends SourceException {

    private final String ref;

    public UnknownRefException(String url, String ref) {
        super(url, url + " has no branch, tag or commit " + ref, null);
        this.ref = ref;
    }

    public String ref() {
        return ref;
    }

    @Override
    public Retry retry() {
        return Retry.STALL;
    }
}
