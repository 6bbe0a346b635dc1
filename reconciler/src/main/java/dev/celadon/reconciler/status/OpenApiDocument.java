package dev.celadon.reconciler.status;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Locale;

/**
 * What {@code GET /q/openapi} serves: the OpenAPI document of the status API, YAML by default, JSON for
 * {@code ?format=json} or {@code Accept: application/json} (as Quarkus' OpenAPI extension answered).
 *
 * <p>The document is checked in beside this class rather than built at start by that extension, which
 * parsed and rewrote it on every start: about 35 ms and 4 MB of the reconciler's start
 * (benchmarks/RESULTS.md). {@code OpenApiDocumentTest} regenerates it from the status records and the
 * routes' description, and fails when the checked-in copy differs, so it cannot drift from the code.
 */
final class OpenApiDocument {

    static final String YAML = "openapi.yaml";
    static final String JSON = "openapi.json";

    enum Format {
        YAML("application/yaml;charset=UTF-8"),
        JSON(StatusRoutes.JSON);

        private final String contentType;

        Format(String contentType) {
            this.contentType = contentType;
        }

        String contentType() {
            return contentType;
        }

        /** The {@code format} query parameter wins; then an {@code Accept} that names JSON; else YAML. */
        static Format asked(String formatParameter, String accept) {
            boolean json = formatParameter != null ? formatParameter.toLowerCase(Locale.ROOT).equals("json")
                    : accept != null && accept.contains(StatusRoutes.JSON);
            return json ? JSON : YAML;
        }
    }

    private final byte[] yaml = read(YAML);
    private final byte[] json = read(JSON);

    byte[] bytes(Format format) {
        return format == Format.JSON ? json : yaml;
    }

    private static byte[] read(String name) {
        try (InputStream in = OpenApiDocument.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("the OpenAPI document " + name + " is missing from the build");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
