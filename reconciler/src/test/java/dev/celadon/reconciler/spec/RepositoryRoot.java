package dev.celadon.reconciler.spec;

import java.nio.file.Files;
import java.nio.file.Path;

/** The repository's top folder, found upwards from the tests' working directory ({@code reconciler/}). */
public final class RepositoryRoot {

    private RepositoryRoot() {
    }

    public static Path find() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("partitions.d")) && Files.isRegularFile(dir.resolve("pom.xml"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no repository root with partitions.d/ above " + Path.of("").toAbsolutePath());
    }
}
