package dev.celadon.reconciler.status;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** {@code GET /} of {@link StatusRoutes}, described for the OpenAPI document as {@link StatusApi} is. */
@Path("/")
@Tag(name = "status")
class StatusPageApi {

    @GET
    @Produces(MediaType.TEXT_HTML + ";charset=utf-8")
    @Operation(summary = "The status as an HTML page that refreshes itself")
    String page() {
        return null;
    }
}
