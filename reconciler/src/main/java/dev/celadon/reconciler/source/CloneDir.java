package dev.celadon.reconciler.source;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Optional;
import java.util.stream.Stream;

import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.ConfigConstants;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.StoredConfig;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.jboss.logging.Logger;

/**
 * The clone folder on disk: reusing the one an earlier run left, building a fresh one beside it and
 * swapping it in. A fresh clone is built in {@code <dir>.new} and only replaces {@code <dir>} once it is
 * complete, so the last good checkout stays on disk whatever fails on the way.
 */
final class CloneDir {

    private static final Logger LOG = Logger.getLogger(CloneDir.class);

    private final Path dir;
    private final String originUrl;

    CloneDir(Path dir, String originUrl) {
        this.dir = dir.toAbsolutePath().normalize();
        this.originUrl = originUrl;
    }

    Path path() {
        return dir;
    }

    /**
     * The clone an earlier run left, if it is a repository cloned from the same URL that can be read.
     * {@code needFullHistory}: a shallow clone cannot serve a commit pinned below its boundary.
     */
    Optional<Repository> reuse(boolean needFullHistory) {
        if (!Files.isDirectory(dir.resolve(Constants.DOT_GIT))) {
            return Optional.empty();
        }
        Repository repo = null;
        try {
            repo = open(dir);
            String recorded = repo.getConfig().getString(ConfigConstants.CONFIG_REMOTE_SECTION,
                    Constants.DEFAULT_REMOTE_NAME, ConfigConstants.CONFIG_KEY_URL);
            String problem = null;
            if (!originUrl.equals(recorded)) {
                problem = "it was cloned from another URL";
            } else if (needFullHistory && !repo.getObjectDatabase().getShallowCommits().isEmpty()) {
                problem = "it is shallow and a commit is pinned";
            } else {
                ObjectId head = repo.resolve(Constants.HEAD);
                if (head != null) {
                    repo.parseCommit(head); // fails on missing or damaged objects
                }
            }
            if (problem == null) {
                removeStaleLocks();
                // A fresh clone a killed or failed run left half-built; one an older version built may even
                // hold credentials in its config.
                deleteRecursively(sibling(".new"));
                return Optional.of(repo);
            }
            LOG.infof("Not reusing %s: %s; cloning afresh", dir, problem);
        } catch (IOException | RuntimeException e) {
            LOG.warnf("Not reusing %s: it cannot be read (%s); cloning afresh", dir, e.getClass().getSimpleName());
        }
        if (repo != null) {
            repo.close();
        }
        return Optional.empty();
    }

    /** An empty repository in {@code <dir>.new}, its origin set, ready to fetch into. */
    Repository initFresh() throws IOException {
        Path fresh = sibling(".new");
        deleteRecursively(fresh);
        Files.createDirectories(fresh);
        try (Git git = Git.init().setDirectory(fresh.toFile()).setInitialBranch(Constants.MASTER).call()) {
            StoredConfig config = git.getRepository().getConfig();
            config.setString(ConfigConstants.CONFIG_REMOTE_SECTION, Constants.DEFAULT_REMOTE_NAME,
                    ConfigConstants.CONFIG_KEY_URL, originUrl);
            // Reflogs would keep every superseded revision's objects alive and grow without bound.
            config.setBoolean(ConfigConstants.CONFIG_CORE_SECTION, null,
                    ConfigConstants.CONFIG_KEY_LOGALLREFUPDATES, false);
            // JGit's automatic gc runs after fetches; in the background it would race with the swap of a
            // fresh clone and with the next checkout, so run it inside sync().
            config.setBoolean(ConfigConstants.CONFIG_GC_SECTION, null, ConfigConstants.CONFIG_KEY_AUTODETACH, false);
            config.save();
        } catch (GitAPIException e) {
            throw new IOException("cannot create a repository in " + fresh, e);
        }
        return open(fresh);
    }

    /** Replaces {@code <dir>} with the complete fresh clone; the caller has closed both repositories. */
    Repository swapInFresh() throws IOException {
        Path fresh = sibling(".new");
        Path old = sibling(".old");
        deleteRecursively(old);
        if (Files.exists(dir)) {
            Files.move(dir, old, StandardCopyOption.ATOMIC_MOVE);
        }
        Files.move(fresh, dir, StandardCopyOption.ATOMIC_MOVE);
        deleteRecursively(old);
        return open(dir);
    }

    private Path sibling(String suffix) {
        return dir.resolveSibling(dir.getFileName() + suffix);
    }

    private static Repository open(Path workTree) throws IOException {
        return new FileRepositoryBuilder().setWorkTree(workTree.toFile())
                .setGitDir(workTree.resolve(Constants.DOT_GIT).toFile()).setMustExist(true).build();
    }

    /** Only this process writes the clone, so a lock file is what a killed earlier run left behind. */
    private void removeStaleLocks() throws IOException {
        Path gitDir = dir.resolve(Constants.DOT_GIT);
        try (Stream<Path> files = Files.walk(gitDir)) {
            for (Path lock : files.filter(p -> p.getFileName().toString().endsWith(".lock"))
                    .filter(p -> !p.startsWith(gitDir.resolve("objects"))).toList()) {
                LOG.infof("Removing stale lock %s", lock);
                Files.deleteIfExists(lock);
            }
        }
    }

    static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException exc) throws IOException {
                if (exc instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw exc;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                Files.deleteIfExists(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
