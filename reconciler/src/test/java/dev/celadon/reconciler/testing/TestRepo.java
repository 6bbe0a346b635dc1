package dev.celadon.reconciler.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A bare repository (what clients fetch from) plus a work clone to author commits in, driven through the
 * real git CLI with a fixed identity. History can be rewritten ({@link #amend}, {@link #resetHard}) and
 * force-pushed, as a user of a GitOps repository might.
 */
public final class TestRepo {

    public static final String BRANCH = "main";

    private final Path bareDir;
    private final Path workDir;

    private TestRepo(Path bareDir, Path workDir) {
        this.bareDir = bareDir;
        this.workDir = workDir;
    }

    /** {@code <root>/<name>.git} (bare, default branch {@code main}) and {@code <root>/<name>-work}. */
    public static TestRepo create(Path root, String name) {
        Path bare = root.resolve(name + ".git").toAbsolutePath();
        Path work = root.resolve(name + "-work").toAbsolutePath();
        try {
            Files.createDirectories(bare);
            Files.createDirectories(work);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Cli.git(bare, "init", "--quiet", "--bare", "--initial-branch=" + BRANCH);
        Cli.git(work, "init", "--quiet", "--initial-branch=" + BRANCH);
        Cli.git(work, "remote", "add", "origin", bare.toString());
        return new TestRepo(bare, work);
    }

    public Path bareDir() {
        return bareDir;
    }

    public Path workDir() {
        return workDir;
    }

    /** {@code file:///…/<name>.git}. */
    public String fileUrl() {
        return bareDir.toUri().toString();
    }

    /** Writes a file in the work clone, creating folders; not yet committed. */
    public TestRepo write(String relPath, String content) {
        Path file = workDir.resolve(relPath);
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, content, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** Removes a file or folder from the work clone; not yet committed. */
    public TestRepo delete(String relPath) {
        Path target = workDir.resolve(relPath);
        try (Stream<Path> tree = Files.walk(target)) {
            for (Path p : tree.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** Commits everything in the work clone (even nothing) and returns the new commit's SHA. */
    public String commit(String message) {
        Cli.git(workDir, "add", "--all");
        Cli.git(workDir, "commit", "--quiet", "--allow-empty", "-m", message);
        return head();
    }

    /** Replaces the last commit with one holding the work clone's current content; returns its SHA. */
    public String amend(String message) {
        Cli.git(workDir, "add", "--all");
        Cli.git(workDir, "commit", "--quiet", "--allow-empty", "--amend", "-m", message);
        return head();
    }

    /** Moves the work clone's branch back (or anywhere) to a commit, discarding what followed. */
    public TestRepo resetHard(String sha) {
        Cli.git(workDir, "reset", "--quiet", "--hard", sha);
        return this;
    }

    /** Pushes the branch; fails if that is not a fast-forward. */
    public TestRepo push() {
        Cli.git(workDir, "push", "--quiet", "origin", "HEAD:refs/heads/" + BRANCH);
        return this;
    }

    /** Pushes the branch even if that rewrites history. */
    public TestRepo forcePush() {
        Cli.git(workDir, "push", "--quiet", "--force", "origin", "HEAD:refs/heads/" + BRANCH);
        return this;
    }

    /** Commits and pushes; returns the SHA. */
    public String commitAndPush(String message) {
        String sha = commit(message);
        push();
        return sha;
    }

    /** Creates (or moves) an annotated tag at HEAD and pushes it; returns the tagged commit's SHA. */
    public String tagAndPush(String name) {
        Cli.git(workDir, "tag", "--force", "-a", name, "-m", name);
        Cli.git(workDir, "push", "--quiet", "--force", "origin", "refs/tags/" + name);
        return head();
    }

    /** Commits everything in the work clone, signed by {@code signer} through git's own signing. */
    public String commitSigned(String message, Signers.Signer signer) {
        Cli.git(workDir, "add", "--all");
        Cli.run(workDir, signer.git("commit", "--quiet", "--allow-empty", "-S", "-m", message), signer.environment());
        return head();
    }

    /** Creates (or moves) a signed tag at HEAD and pushes it; returns the tag object's SHA. */
    public String signedTagAndPush(String name, Signers.Signer signer) {
        Cli.run(workDir, signer.git("tag", "--force", "-s", name, "-m", name), signer.environment());
        Cli.git(workDir, "push", "--quiet", "--force", "origin", "refs/tags/" + name);
        return Cli.git(workDir, "rev-parse", "refs/tags/" + name);
    }

    /**
     * Forges the tag: the same tag object, signature and all, but naming {@code commit}, pushed over the
     * real one (what someone who can push but not sign would try). Returns the forged tag object's SHA.
     */
    public String retargetTagAndPush(String name, String commit) {
        String original = Cli.git(workDir, "cat-file", "tag", "refs/tags/" + name);
        String forged = original.replaceFirst("(?m)^object [0-9a-f]{40}$", "object " + commit) + "\n";
        Path file = workDir.resolveSibling(workDir.getFileName() + ".forged-tag");
        try {
            Files.writeString(file, forged, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String id = Cli.git(workDir, "hash-object", "-t", "tag", "-w", file.toString());
        Cli.git(workDir, "update-ref", "refs/tags/" + name, id);
        Cli.git(workDir, "push", "--quiet", "--force", "origin", "refs/tags/" + name);
        return id;
    }

    public String head() {
        return Cli.git(workDir, "rev-parse", "HEAD");
    }
}
