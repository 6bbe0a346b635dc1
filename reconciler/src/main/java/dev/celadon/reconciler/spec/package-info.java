/**
 * Specs ({@code celadon.dev/v1alpha1}), {@code kind: Partition} and {@code kind: Appliance}: the records
 * the rest of the reconciler works with, and the strict parser that produces them.
 *
 * <p>Public: {@link dev.celadon.reconciler.spec.SpecLoader} (load a folder, or parse content),
 * its result {@link dev.celadon.reconciler.spec.SpecSet} of {@link dev.celadon.reconciler.spec.Partition}s,
 * {@link dev.celadon.reconciler.spec.ApplianceSpec}s (with {@link dev.celadon.reconciler.spec.MaintenanceWindow}
 * and {@link dev.celadon.reconciler.spec.ApplianceSelection}) and {@link dev.celadon.reconciler.spec.SpecError}s,
 * and the value helpers
 * {@link dev.celadon.reconciler.spec.Quantities} and {@link dev.celadon.reconciler.spec.Durations}.
 * Everything else is the package-private engine.
 *
 * <p>How a revision is read:
 * <ol>
 *   <li>Every {@code *.yaml}/{@code *.yml} file, in name order, is measured against the size limits of
 *       {@code InputLimits} before it is read.</li>
 *   <li>Its documents are composed into SnakeYAML nodes under the YAML 1.2 core schema, one at a time;
 *       nodes keep their line and column. {@code BoundedParser} counts each document's nodes and what the
 *       file's aliases stand for as the composer takes the events. A syntax error or a limit passed ends
 *       that file only.</li>
 *   <li>Each non-empty document is walked by hand: {@code DocumentHeader} reads {@code apiVersion} and
 *       {@code kind}, and {@code PartitionReader} or {@code ApplianceReader} the rest, over {@code Value}:
 *       every field is type-checked where it stands, unknown and duplicate keys are reported, and the
 *       walk goes on past each error, so one pass finds them all.</li>
 *   <li>Checks across documents follow ({@code Revision}): unique partition names, Appliance names and
 *       forwarded host ports, and the revision's limits: documents, what they keep in memory ({@code Footprint}), errors.
 *       A limit of the revision passed ends the reading there.</li>
 *   <li>Errors are sorted by file, line and column. A set with any error is applied not at all.</li>
 * </ol>
 * {@code partitions.d/partition.schema.json} describes the same format for editors; a test holds the
 * two together.
 */
package dev.celadon.reconciler.spec;
