package dev.celadon.reconciler.config;

import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.StoredConfig;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * The embedded default desired state: when no {@code celadon.git.url} is set, a local Git repository
 * in the state dir seeded with the demo partitions this application carries (the project's
 * {@code partitions.d/}). Created once; after that it is the operator's to commit to.
 */
public final class DemoRepository {

    /** Where the build puts the project's partitions.d in the application's resources. */
    static final String RESOURCES = "demo/partitions.d/";
    /** A file that is always there, to find the folder by. */
    private static final String ANCHOR = RESOURCES + "partition.schema.json";

    private DemoRepository() {
    }

    /** Creates the repository if it does not exist yet; returns it as a {@code file://} URL. */
    public static String ensure(Path dir) {
        if (!Files.isDirectory(dir.resolve(".git"))) {
            create(dir);
        }
        return dir.toUri().toString();
    }

    private static void create(Path dir) {
        try {
            Path specs = dir.resolve("partitions.d");
            Files.createDirectories(specs);
            for (Map.Entry<String, byte[]> file : bundledSpecs().entrySet()) {
                Path target = specs.resolve(file.getKey());
                Files.createDirectories(target.getParent());
                Files.write(target, file.getValue());
            }
            try (Git git = Git.init().setDirectory(dir.toFile()).setInitialBranch("main").call()) {
                // The commit lines `make run` prints must work on a machine where git knows no one yet.
                StoredConfig config = git.getRepository().getConfig();
                config.setString("user", null, "name", "Demo operator");
                config.setString("user", null, "email", "operator@localhost");
                config.save();
                git.add().addFilepattern("partitions.d").call();
                PersonIdent celadon = new PersonIdent("Celadon", "celadon@localhost", Instant.now(), ZoneOffset.UTC);
                git.commit().setMessage("demo: the partitions Celadon ships with")
                        .setAuthor(celadon).setCommitter(celadon).setSign(false).call();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the demo repository in " + dir + ": " + e.getMessage(), e);
        } catch (GitAPIException e) {
            throw new IllegalStateException("cannot create the demo repository in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The demo files by name, read from the application jar, or from the classes folder in tests. */
    static Map<String, byte[]> bundledSpecs() throws IOException {
        URL anchor = DemoRepository.class.getClassLoader().getResource(ANCHOR);
        if (anchor == null) {
            throw new IOException("the application carries no " + ANCHOR);
        }
        Map<String, byte[]> files = new TreeMap<>();
        if (anchor.getProtocol().equals("jar")) {
            JarURLConnection connection = (JarURLConnection) anchor.openConnection();
            connection.setUseCaches(false);
            try (JarFile jar = connection.getJarFile()) {
                for (var entry : jar.stream().filter(e -> !e.isDirectory() && e.getName().startsWith(RESOURCES)).toList()) {
                    try (InputStream in = jar.getInputStream(entry)) {
                        files.put(entry.getName().substring(RESOURCES.length()), in.readAllBytes());
                    }
                }
            }
        } else {
            Path folder;
            try {
                folder = Path.of(anchor.toURI()).getParent();
            } catch (URISyntaxException e) {
                throw new IOException("cannot read " + anchor, e);
            }
            try (Stream<Path> list = Files.list(folder)) {
                for (Path file : list.filter(Files::isRegularFile).toList()) {
                    files.put(file.getFileName().toString(), Files.readAllBytes(file));
                }
            }
        }
        return files;
    }
}
