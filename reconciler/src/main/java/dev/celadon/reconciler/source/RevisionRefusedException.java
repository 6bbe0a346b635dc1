package dev.celadon.reconciler.source;

import dev.celadon.hypervisor.Retry;

/**
 * The remote's newest revision carries no valid signature by a trusted key ({@code celadon.git.verify}):
 * it is not checked out. A signed commit, or a changed key file, is what changes that.
 */
public final class RevisionRefusedException extends SourceException {

    private final Verification verification;

    public RevisionRefusedException(String url, String target, Verification verification) {
        super(url, "revision " + verification.object() + " of " + url + " " + target + " refused: "
                + verification.reason(), null);
        this.verification = verification;
    }

    public Verification verification() {
        return verification;
    }

    @Override
    public Retry retry() {
        return Retry.STALL;
    }
}
