package dev.celadon.reconciler.status;

/**
 * What an {@link Event} records: a closed set, so readers (the page, {@code celadon events}, scripts) can
 * rely on every value and metrics label by it without growing series.
 */
public enum EventType {
    /** A new revision came from Git (fetched and parsed; whether it is valid follows). */
    RevisionFetched,
    /** The revision's signature was checked and is trusted (celadon.git.verify). */
    RevisionVerified,
    /** The revision is not applied: spec errors ({@code SpecErrors}) or a signature that is not trusted; the last good revision stays in force. */
    RevisionRefused,
    /** An action is dispatched: what it will do and why is the message. */
    ActionPlanned,
    /** The action completed. */
    ActionApplied,
    /** The action failed: the reason is the failure's stable value, and it is retried as status says. */
    ActionFailed,
    /** A change that did not become Ready in time was undone: the partition runs its previous configuration. */
    ActionRolledBack
}
