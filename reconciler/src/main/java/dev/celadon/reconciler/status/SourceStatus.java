package dev.celadon.reconciler.status;

import dev.celadon.reconciler.source.Redaction;
import io.quarkus.runtime.annotations.RegisterForReflection;

import java.time.Instant;

/**
 * Where the desired state comes from and how fresh it is.
 *
 * @param url       the repository URL without credentials
 * @param revision  the commit applied last (the last good revision), null before the first good sync
 * @param lastError why the last sync or the newest revision failed, null when it did not
 * @param stale     true when the last fetch failed: what runs follows an older revision than Git may hold
 * @param verification the signature check of the newest revision; null while {@code celadon.git.verify} is none
 */
@RegisterForReflection
public record SourceStatus(String url, String branch, String revision, Instant lastSyncAt, String lastError,
                           boolean stale, VerificationView verification) {

    /** A source without signature verification. */
    public SourceStatus(String url, String branch, String revision, Instant lastSyncAt, String lastError,
                        boolean stale) {
        this(url, branch, revision, lastSyncAt, lastError, stale, null);
    }

    /** Credentials in {@code url} or quoted in {@code lastError} never reach a status reader. */
    public SourceStatus {
        url = Redaction.redactUrl(url);
        lastError = Redaction.redactText(lastError);
    }
}
