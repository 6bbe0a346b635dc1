package dev.celadon.reconciler.status;

import io.smallrye.common.annotation.NonBlocking;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Locale;

/**
 * {@code GET /q/openapi}: the OpenAPI document of the status API, YAML by default, JSON for
 * {@code ?format=json} or {@code Accept: application/json} (as Quarkus' OpenAPI extension answers).
 *
 * <p>The document is checked in beside this class rather than built at start by that extension, which
 * parsed and rewrote it on every start: about 35 ms and 4 MB of the reconciler's start
 * (benchmarks/RESULTS.md). {@code OpenApiDocumentTest} regenerates it from the annotated resources and
 * fails when the checked-in copy differs, so it cannot drift from the code.
 */
@Path("/q/openapi")
public class OpenApiResource {

    static final String YAML = "openapi.yaml";
    static final String JSON = "openapi.json";
    private static final String YAML_TYPE = "application/yaml;charset=UTF-8";

    private final byte[] yaml = read(YAML);
    private final byte[] json = read(JSON);

    @GET
    @NonBlocking
    @Operation(hidden = true)
    public Response document(@QueryParam("format") String format, @HeaderParam(HttpHeaders.ACCEPT) String accept) {
        boolean asJson = format != null ? format.toLowerCase(Locale.ROOT).equals("json")
                : accept != null && accept.contains(MediaType.APPLICATION_JSON);
        return asJson ? Response.ok(json, MediaType.APPLICATION_JSON).build() : Response.ok(yaml, YAML_TYPE).build();
    }

    private static byte[] read(String name) {
        try (InputStream in = OpenApiResource.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("the OpenAPI document " + name + " is missing from the build");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
