package dev.celadon.reconciler.loop;

import java.nio.file.Path;

/** Where desired state comes from: the Git source in production, a folder in tests. */
@FunctionalInterface
public interface RevisionSource {

    /** The newest revision and the folder holding its specs. Throws when the source cannot be reached. */
    Fetched fetch() throws Exception;

    record Fetched(String revision, Path specDir) {
    }
}
