package dev.celadon.reconciler.status;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * {@code GET /status} and {@code GET /status/partitions/{name}} of {@link StatusRoutes}, in the JAX-RS terms
 * SmallRye OpenAPI reads: {@link OpenApiDocumentTest} generates the served document from this, {@link StatusPageApi}
 * and the status records, and {@code OpenApiTest} checks that every path documented is served. Never
 * deployed: the methods only carry the types (a concrete class: SmallRye's scan skips abstract ones).
 */
@Path("/status")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "status", description = "Where the appliance stands: read-only; change the desired state in Git")
class StatusApi {

    @GET
    @Operation(summary = "The whole status: appliance, Git source, spec errors, partitions, summary")
    @APIResponse(responseCode = "200", description = "The latest status snapshot",
            content = @Content(mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(implementation = StatusDocument.class)))
    byte[] status() {
        return null;
    }

    @GET
    @Path("/partitions/{name}")
    @Operation(summary = "One partition: phase, desired run state, applied revision, worker, guest, conditions")
    @APIResponse(responseCode = "200", description = "The partition",
            content = @Content(mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(implementation = PartitionStatus.class)))
    @APIResponse(responseCode = "404", description = "Git declares no such partition and no worker for it exists",
            content = @Content(mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(implementation = PartitionNotFound.class)))
    PartitionStatus partition(@PathParam("name") String name) {
        return null;
    }
}
