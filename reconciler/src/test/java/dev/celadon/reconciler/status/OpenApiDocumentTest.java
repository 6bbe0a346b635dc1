package dev.celadon.reconciler.status;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.openapi.api.SmallRyeOpenAPI;
import org.eclipse.microprofile.openapi.models.PathItem;
import org.jboss.jandex.Index;
import org.jboss.jandex.Indexer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The OpenAPI document {@code /q/openapi} serves is checked in ({@link OpenApiDocument}); this test holds
 * it to what SmallRye OpenAPI generates from {@link StatusApi} and the status records, so it cannot drift
 * from the code. Run with {@code -Dceladon-test.golden.update=true} to rewrite both files
 * after a deliberate change to the API, then review and commit them.
 */
class OpenApiDocumentTest {

    private static final Path SOURCE_DIR = Path.of("src/main/resources/dev/celadon/reconciler/status");

    /** The document's own description; its version is that of the API, not of the appliance. */
    private static final Map<String, String> INFO = Map.of(
            "mp.openapi.extensions.smallrye.openapi", "3.1.0",
            "mp.openapi.extensions.smallrye.info.title", "Celadon status API",
            "mp.openapi.extensions.smallrye.info.version", "1",
            "mp.openapi.extensions.smallrye.info.description",
            "Read-only status of a Celadon appliance. There is no write API: change the desired state in Git.");

    @Test
    void theServedDocumentIsTheOneTheCodeDescribes() throws IOException, URISyntaxException {
        SmallRyeOpenAPI generated = generate();
        assertGolden(OpenApiDocument.YAML, generated.toYAML());
        assertGolden(OpenApiDocument.JSON, generated.toJSON());
    }

    @Test
    void describesTheReadOnlyEndpointsAndNothingElse() throws IOException, URISyntaxException {
        var paths = generate().model().getPaths().getPathItems();
        assertThat(paths).containsOnlyKeys("/", "/status", "/status/partitions/{name}", "/status/partitions/{name}/console",
                "/status/events");
        paths.values().forEach(item -> assertThat(item.getOperations()).containsOnlyKeys(PathItem.HttpMethod.GET));
    }

    private static SmallRyeOpenAPI generate() throws IOException, URISyntaxException {
        return SmallRyeOpenAPI.builder()
                .withConfig(new SmallRyeConfigBuilder()
                        .withSources(new PropertiesConfigSource(INFO, "openapi-info", 100)).build())
                .withIndex(index())
                .withApplicationClassLoader(OpenApiDocumentTest.class.getClassLoader())
                .enableStandardStaticFiles(false)
                .build();
    }

    /** Every class of the reconciler itself (the records' schemas), and the routes' description. */
    private static Index index() throws IOException, URISyntaxException {
        Path classes = Path.of(StatusStore.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Indexer indexer = new Indexer();
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                try (InputStream in = Files.newInputStream(file)) {
                    indexer.index(in);
                }
            }
        }
        indexer.indexClass(StatusApi.class);
        indexer.indexClass(StatusPageApi.class);
        return indexer.complete();
    }

    private static void assertGolden(String resource, String actual) throws IOException {
        Path file = SOURCE_DIR.resolve(resource);
        if (Boolean.getBoolean("celadon-test.golden.update")) {
            Files.createDirectories(SOURCE_DIR);
            Files.writeString(file, actual);
        }
        assertThat(file).as("checked-in document (create with -Dceladon-test.golden.update=true, review, commit)")
                .exists();
        assertThat(actual).as("%s (rewrite with -Dceladon-test.golden.update=true)", file)
                .isEqualTo(Files.readString(file));
    }
}
