/**
 * The read path (DESIGN.md §5): what the appliance tells the world, read-only.
 *
 * <ol>
 *   <li>The reconcile loop builds a whole {@link dev.celadon.reconciler.status.StatusDocument} and publishes it
 *       to the {@link dev.celadon.reconciler.status.StatusStore}, which serializes it once, there and then.</li>
 *   <li>{@code GET /status} and {@code GET /status/partitions/{name}} serve those bytes as they are
 *       ({@link dev.celadon.reconciler.status.StatusRoutes}, every route); {@code GET /} renders the same document as a
 *       page that refreshes itself ({@link dev.celadon.reconciler.status.StatusPage}).</li>
 *   <li>Health, metrics and OpenAPI live under {@code /q/}: readiness follows the store's first sync,
 *       {@code celadon_partitions} is read from the current document at scrape time, and the loop reports
 *       reconcile durations and sync results through {@link dev.celadon.reconciler.status.ReconcileMetrics},
 *       which writes the Prometheus text itself.</li>
 *   <li>The loop records what it fetched, refused and did in the {@link dev.celadon.reconciler.status.EventHistory}
 *       (kept in the state dir by its {@link dev.celadon.reconciler.status.EventFile}), served as
 *       {@code GET /status/events}, on the page ({@link dev.celadon.reconciler.status.EventsSection}) and counted in
 *       {@code celadon_actions_total}; {@link dev.celadon.reconciler.status.TextTables} prints the status and the
 *       history for the command line.</li>
 *   <li>{@link dev.celadon.reconciler.status.ReadOnlyHttp} answers 405 to every method but GET and HEAD on every
 *       path: Git is the only write path.</li>
 * </ol>
 */
package dev.celadon.reconciler.status;
