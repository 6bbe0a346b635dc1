package dev.celadon.reconciler.loop;

import dev.celadon.reconciler.source.Verification;

import java.nio.file.Path;
import java.util.Optional;

/** Where desired state comes from: the Git source in production, a folder in tests. */
@FunctionalInterface
public interface RevisionSource {

    /** The newest revision and the folder holding its specs. Throws when the source cannot be reached. */
    Fetched fetch() throws Exception;

    /** The revision an earlier run left on disk, for a start while the source cannot be reached. */
    default Optional<Fetched> lastKnown() {
        return Optional.empty();
    }

    /** @param verification the signature check it passed ({@code celadon.git.verify}); null while that is off */
    record Fetched(String revision, Path specDir, Verification verification) {

        public Fetched(String revision, Path specDir) {
            this(revision, specDir, null);
        }
    }
}
