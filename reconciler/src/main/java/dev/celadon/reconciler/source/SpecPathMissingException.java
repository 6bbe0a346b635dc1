package dev.celadon.reconciler.source;

import dev.celadon.hypervisor.Retry;

/**
 * The commit has no folder at the configured path. Deliberately an error rather than an empty desired
 * state: a mistyped path or a botched move would otherwise delete every partition. The checkout is not
 * moved to this commit.
 */
public final class SpecPathMissingException extends SourceException {

    private final String revision;
    private final String path;

    public SpecPathMissingException(String url, String revision, String path) {
        super(url, "commit " + revision + " of " + url + " has no folder " + path, null);
        this.revision = revision;
        this.path = path;
    }

    public String revision() {
        return revision;
    }

    public String path() {
        return path;
    }

    @Override
    public Retry retry() {
        return Retry.STALL;
    }
}
