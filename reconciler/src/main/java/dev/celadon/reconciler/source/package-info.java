/**
 * The Git source: keeps a local checkout of the configured branch, tag or commit, and nothing else.
 *
 * <p>{@link dev.celadon.reconciler.source.GitSource#sync()} follows this protocol:
 * <ol>
 * <li>Open the clone folder an earlier run left, if it is a readable repository whose {@code origin} is
 * the configured URL without its userinfo (and, for a pinned commit, not shallow); remove lock files and a
 * half-built fresh clone a killed run left.
 * Otherwise everything below runs in a fresh repository in {@code <clone>.new}, which replaces the clone
 * only once step 7 succeeded.</li>
 * <li>Ask the remote where the branch ({@code refs/heads/B}) or tag ({@code refs/tags/T}) points: one
 * round trip listing only that ref. A pinned commit needs no round trip if it is already local.</li>
 * <li>If that is the commit this instance checked out last, stop here: nothing on disk changes. This is
 * the common poll and costs one ref listing.</li>
 * <li>Otherwise fetch it with a forced refspec into {@code refs/remotes/origin/B} or {@code refs/tags/T},
 * depth 1. Forced, and never merged: a force-pushed history simply replaces the old one. A pinned commit
 * fetches all branches and tags at full depth, since it may be any ancestor.</li>
 * <li>With {@code celadon.git.verify} set: check the signature of what the ref points at (the commit, or the
 * tag object) against the trusted keys ({@link dev.celadon.reconciler.source.SignatureCheck}); if it fails,
 * fail with {@link dev.celadon.reconciler.source.RevisionRefusedException} and leave the checkout as it was.
 * Checked again only when that object or a key file changed.</li>
 * <li>Check that the commit has the spec folder. If not, fail with
 * {@link dev.celadon.reconciler.source.SpecPathMissingException}, and leave the checkout as it was: an
 * empty desired state would delete every partition.</li>
 * <li>Detach HEAD at the commit, reset the index and work tree hard to it, and remove every untracked or
 * ignored file, so {@code <clone>/<path>} is exactly that commit's specs.</li>
 * <li>Return the {@link dev.celadon.reconciler.source.Snapshot}: full SHA, spec folder, time.</li>
 * </ol>
 *
 * <p>Failures before step 7 leave the previous checkout untouched. A failure of the clone itself
 * ({@link dev.celadon.reconciler.source.CorruptCloneException}) makes the next sync start at step 1 with a
 * fresh clone. Credentials are read from their files at every connection and, like a URL's userinfo,
 * never reach JGit's URLs, the clone's config, messages or logs; see
 * {@link dev.celadon.reconciler.source.GitUrl} for where userinfo ends and
 * {@link dev.celadon.reconciler.source.Redaction}.
 */
package dev.celadon.reconciler.source;
