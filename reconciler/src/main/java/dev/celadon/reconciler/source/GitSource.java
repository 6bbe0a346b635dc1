package dev.celadon.reconciler.source;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.ResetCommand;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.api.errors.JGitInternalException;
import org.eclipse.jgit.errors.CorruptObjectException;
import org.eclipse.jgit.errors.LockFailedException;
import org.eclipse.jgit.errors.MissingObjectException;
import org.eclipse.jgit.errors.PackInvalidException;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.NullProgressMonitor;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.transport.FetchConnection;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.Transport;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.jboss.logging.Logger;

/**
 * Keeps a local checkout of the configured branch, tag or commit; see the package description for the
 * protocol. Calls to {@link #sync()} are serialized; the files under {@link Snapshot#specDir()} change only
 * inside {@code sync()}, so the caller reads them between calls.
 */
public final class GitSource {

    private static final Logger LOG = Logger.getLogger(GitSource.class);

    private static final List<RefSpec> ALL_HEADS_AND_TAGS = List.of(
            new RefSpec("+refs/heads/*:refs/remotes/origin/*"), new RefSpec("+refs/tags/*:refs/tags/*"));

    private final GitSettings settings;
    private final CloneDir cloneDir;
    private final RemoteAccess remote;
    private final SignatureCheck signatures;
    private final Clock clock;

    /** Open while the clone is usable; null before the first sync and after a local failure. */
    private Repository repo;
    /** The commit this instance checked out; null until then, so a restart always re-checks-out once. */
    private ObjectId checkedOut;
    /** Set after a local failure: the clone on disk is not to be trusted, build a fresh one. */
    private boolean forceFresh;
    /** The ref's object whose signature was checked last, and the outcome; null while verification is off. */
    private ObjectId verifiedTarget;
    private Verification verification;

    /** @param cloneDir where the clone lives, under the state dir; created, reused or replaced as needed */
    public GitSource(GitSettings settings, Path cloneDir) {
        this(settings, cloneDir, Clock.systemUTC());
    }

    public GitSource(GitSettings settings, Path cloneDir, Clock clock) {
        this(settings, cloneDir, TrustedKeys.none(), clock);
    }

    /** @param trustedKeys what {@code celadon.git.verify} asks of every new revision before it is checked out */
    public GitSource(GitSettings settings, Path cloneDir, TrustedKeys trustedKeys, Clock clock) {
        this.settings = settings;
        this.signatures = new SignatureCheck(trustedKeys);
        Path absolute = cloneDir.toAbsolutePath().normalize();
        this.remote = new RemoteAccess(settings, absolute.resolveSibling(absolute.getFileName() + ".no-ssh-home"));
        this.cloneDir = new CloneDir(absolute, settings.redactedUrl());
        this.clock = clock;
    }

    public GitSettings settings() {
        return settings;
    }

    /**
     * Brings the checkout to what the remote's branch, tag or commit points at now.
     *
     * @throws SourceException when that is not possible; the previous checkout is then unchanged on disk
     */
    public synchronized Snapshot sync() throws SourceException {
        if (repo == null && !forceFresh) {
            repo = cloneDir.reuse(settings.refIsCommit()).orElse(null);
        }
        ObjectId revision;
        if (repo != null) {
            revision = update(repo);
        } else {
            revision = cloneAfresh();
        }
        return new Snapshot(revision.name(), specDir(), clock.instant(), verification);
    }

    /**
     * The revision an earlier run checked out, as it is on disk, without asking the remote: what to
     * follow when the remote cannot be reached at start. Empty when there is no reusable clone, or its
     * work tree is not exactly a commit (a run killed in the middle of a checkout).
     */
    public synchronized Optional<Snapshot> lastCheckout() {
        try {
            if (repo == null) {
                repo = cloneDir.reuse(settings.refIsCommit()).orElse(null);
            }
            if (repo == null) {
                return Optional.empty();
            }
            ObjectId head = repo.resolve(Constants.HEAD);
            boolean clean = Git.wrap(repo).status().call().isClean();
            if (head == null || !clean || !Files.isDirectory(specDir())) {
                return Optional.empty();
            }
            Verification onDisk = verifyCheckout(repo, head);
            if (onDisk != null && !onDisk.verified()) {
                LOG.warnf("the last checkout %s is not followed: %s", head.name(), onDisk.reason());
                return Optional.empty();
            }
            checkedOut = head;
            return Optional.of(new Snapshot(head.name(), specDir(), clock.instant(), onDisk));
        } catch (IOException | GitAPIException e) {
            LOG.warnf("the last checkout in %s is not usable: %s", cloneDir.path(), e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * The signature check of what an earlier run checked out (the setting may have been off then), or null
     * while verification is off. A tag's own signature is checked only if the local tag still names HEAD.
     */
    private Verification verifyCheckout(Repository repository, ObjectId head) throws IOException {
        if (!signatures.enabled()) {
            return null;
        }
        Optional<String> tag = tagName();
        ObjectId object = head;
        if (tag.isPresent()) {
            Ref local = repository.exactRef(Constants.R_TAGS + tag.get());
            boolean namesHead;
            try (RevWalk walk = new RevWalk(repository)) {
                namesHead = local != null && walk.parseCommit(local.getObjectId()).equals(head);
            }
            if (!namesHead) {
                return Verification.refused(head.name(), null, null, null, "tag " + tag.get()
                        + " no longer names the checked-out commit");
            }
            object = local.getObjectId();
        }
        return signatures.verify(repository, object, tag);
    }

    /** The tag {@code celadon.git.ref} names, if it names one (and not a commit). */
    private Optional<String> tagName() {
        return settings.refIsCommit() ? Optional.empty() : settings.ref();
    }

    /**
     * Step 5: the signature of what the ref points at ({@code celadon.git.verify}), checked
     * again only when that object or the trusted keys changed. A refusal leaves the checkout as it is.
     */
    private void requireSignature(Repository repository, ObjectId target) throws SourceException {
        if (!signatures.enabled()) {
            return;
        }
        boolean keysChanged = signatures.keysChanged();
        if (keysChanged || !target.equals(verifiedTarget)) {
            try {
                verification = signatures.verify(repository, target, tagName());
            } catch (IOException e) {
                throw corrupt("cannot read " + target.name() + " to check its signature: " + e.getMessage(), e);
            }
            verifiedTarget = target.copy();
            if (verification.verified()) {
                LOG.infof("%s of %s %s: good %s signature by %s (%s)", target.name(), settings.redactedUrl(),
                        settings.target(), verification.format(), verification.key(), verification.signer());
            } else {
                LOG.warnf("%s of %s %s refused: %s", target.name(), settings.redactedUrl(), settings.target(),
                        verification.reason());
            }
        }
        if (!verification.verified()) {
            throw new RevisionRefusedException(settings.redactedUrl(), settings.target(), verification);
        }
    }

    /** Steps 1 to 8 of the protocol, against the clone in place. */
    private ObjectId update(Repository repository) throws SourceException {
        try {
            ObjectId target = fetchTarget(repository);
            requireSignature(repository, target);
            ObjectId commit = peelToCommit(repository, target);
            // The stat guards against someone having removed the checkout under us.
            if (commit.equals(checkedOut) && Files.isDirectory(specDir())) {
                return commit;
            }
            requireSpecDir(repository, commit);
            checkout(repository, commit);
            LOG.infof("Checked out %s of %s %s", commit.name(), settings.redactedUrl(), settings.target());
            checkedOut = commit;
            return commit;
        } catch (CorruptCloneException e) {
            discardClone();
            throw e;
        }
    }

    /** The whole protocol in {@code <clone>.new}, then swapped in; the old clone stays until then. */
    private ObjectId cloneAfresh() throws SourceException {
        ObjectId commit;
        try (Repository fresh = cloneDir.initFresh()) {
            ObjectId target = fetchTarget(fresh);
            requireSignature(fresh, target);
            commit = peelToCommit(fresh, target);
            requireSpecDir(fresh, commit);
            checkout(fresh, commit);
        } catch (IOException e) {
            throw corrupt("cannot create a fresh clone: " + e.getMessage(), e);
        }
        try {
            repo = cloneDir.swapInFresh();
        } catch (IOException e) {
            throw corrupt("cannot move the fresh clone in place: " + e.getMessage(), e);
        }
        checkedOut = commit;
        forceFresh = false;
        LOG.infof("Cloned %s %s at %s into %s", settings.redactedUrl(), settings.target(), commit.name(),
                cloneDir.path());
        return commit;
    }

    /** Steps 2 to 4: what the remote's ref points at (a commit, or a tag object), fetched if not yet local. */
    private ObjectId fetchTarget(Repository repository) throws SourceException {
        if (settings.refIsCommit()) {
            ObjectId pinned = ObjectId.fromString(settings.ref().orElseThrow());
            if (!hasCommit(repository, pinned)) {
                fetch(repository, ALL_HEADS_AND_TAGS, false);
                if (!hasCommit(repository, pinned)) {
                    throw new UnknownRefException(settings.redactedUrl(), pinned.name());
                }
            }
            return pinned;
        }
        String remoteRef = settings.ref().map(tag -> Constants.R_TAGS + tag)
                .orElse(Constants.R_HEADS + settings.branch());
        String localRef = settings.ref().isPresent() ? remoteRef
                : Constants.R_REMOTES + Constants.DEFAULT_REMOTE_NAME + "/" + settings.branch();
        ObjectId advertised = lsRemote(repository, remoteRef);
        ObjectId local = exactRef(repository, localRef);
        if (!advertised.equals(local)) {
            fetch(repository, List.of(new RefSpec("+" + remoteRef + ":" + localRef)), true);
            local = exactRef(repository, localRef);
            if (local == null) {
                throw new UnknownRefException(settings.redactedUrl(), settings.target());
            }
        }
        return local;
    }

    /** Step 2: one round trip that only lists the one ref, so an unchanged poll costs no more. */
    private ObjectId lsRemote(Repository repository, String remoteRef) throws SourceException {
        try (Transport transport = remote.open(repository);
             FetchConnection connection = transport.openFetch(List.of(new RefSpec(remoteRef)), remoteRef)) {
            Ref ref = connection.getRef(remoteRef);
            if (ref == null) {
                throw new UnknownRefException(settings.redactedUrl(), settings.target());
            }
            return ref.getObjectId();
        } catch (IOException e) {
            throw remote.classify(e);
        }
    }

    /**
     * Step 4. Forced refspecs, so a rewritten history simply replaces the old one. Depth 1 where a moving
     * ref is followed: only its tip is ever checked out.
     */
    private void fetch(Repository repository, Collection<RefSpec> specs, boolean shallow) throws SourceException {
        try (Transport transport = remote.open(repository)) {
            if (shallow) {
                transport.setDepth(1);
            }
            transport.fetch(NullProgressMonitor.INSTANCE, specs);
        } catch (IOException | JGitInternalException e) {
            if (isLocalDamage(e)) {
                throw corrupt("fetching needs objects the clone cannot read: " + e.getMessage(), e);
            }
            throw remote.classify(e);
        }
    }

    /** Failures of our own object store, which a retry against the same clone would repeat forever. */
    private static boolean isLocalDamage(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof MissingObjectException || t instanceof CorruptObjectException
                    || t instanceof PackInvalidException || t instanceof LockFailedException) {
                return true;
            }
        }
        return false;
    }

    /** Step 6: refuse a commit without the spec folder before anything on disk changes. */
    private void requireSpecDir(Repository repository, ObjectId commit) throws SourceException {
        if (settings.path().equals(".")) {
            return;
        }
        try (RevWalk walk = new RevWalk(repository)) {
            RevCommit parsed = walk.parseCommit(commit);
            try (TreeWalk tree = TreeWalk.forPath(repository, settings.path(), parsed.getTree())) {
                if (tree == null || !tree.isSubtree()) {
                    throw new SpecPathMissingException(settings.redactedUrl(), commit.name(), settings.path());
                }
            }
        } catch (IOException e) {
            throw corrupt("cannot read commit " + commit.name() + ": " + e.getMessage(), e);
        }
    }

    /** Step 7: detached HEAD at the commit, index and work tree reset to it, everything else removed. */
    private void checkout(Repository repository, ObjectId commit) throws SourceException {
        try (Git git = Git.wrap(repository)) {
            RefUpdate head = repository.updateRef(Constants.HEAD, true);
            head.setNewObjectId(commit);
            RefUpdate.Result result = head.forceUpdate();
            switch (result) {
                case NEW, FORCED, NO_CHANGE -> { }
                default -> throw corrupt("cannot move HEAD to " + commit.name() + ": " + result, null);
            }
            git.reset().setMode(ResetCommand.ResetType.HARD).setRef(commit.name()).call();
            git.clean().setCleanDirectories(true).setIgnore(false).setForce(true).call();
        } catch (IOException | GitAPIException | JGitInternalException e) {
            throw corrupt("cannot check out " + commit.name() + ": " + e.getMessage(), e);
        }
    }

    private static boolean hasCommit(Repository repository, ObjectId id) {
        try (RevWalk walk = new RevWalk(repository)) {
            walk.parseCommit(id);
            return true;
        } catch (MissingObjectException e) {
            return false;
        } catch (IOException e) {
            // Present but not a commit (or unreadable): treat as absent; the fetch decides.
            return false;
        }
    }

    private ObjectId exactRef(Repository repository, String name) throws SourceException {
        try {
            Ref ref = repository.exactRef(name);
            return ref == null ? null : ref.getObjectId();
        } catch (IOException e) {
            throw corrupt("cannot read " + name + ": " + e.getMessage(), e);
        }
    }

    /** An annotated tag points at a tag object; the checkout wants the commit it names. */
    private ObjectId peelToCommit(Repository repository, ObjectId id) throws SourceException {
        try (RevWalk walk = new RevWalk(repository)) {
            return walk.parseCommit(id).copy();
        } catch (IOException e) {
            throw corrupt("cannot read " + id.name() + ": " + e.getMessage(), e);
        }
    }

    /** {@code problem} quotes JGit's messages, which may quote the remote: scrubbed as theirs are. */
    private CorruptCloneException corrupt(String problem, Throwable cause) {
        return new CorruptCloneException(settings.redactedUrl(), cloneDir.path(), remote.scrub(problem), cause);
    }

    /** After a local failure the next sync starts from a fresh clone (built beside this one). */
    private void discardClone() {
        if (repo != null) {
            repo.close();
            repo = null;
        }
        checkedOut = null;
        forceFresh = true;
    }

    private Path specDir() {
        return settings.path().equals(".") ? cloneDir.path() : cloneDir.path().resolve(settings.path());
    }
}
