package dev.celadon.reconciler.status;

import io.smallrye.common.annotation.NonBlocking;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * {@code GET /status} and {@code GET /status/partitions/{name}} (DESIGN.md §5). Both serve bytes the store
 * serialized when the document was published, on the event loop: a request costs a map lookup and a copy.
 */
@Path("/status")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "status", description = "Where the appliance stands: read-only; change the desired state in Git")
public class StatusResource {

    private final StatusStore store;

    public StatusResource(StatusStore store) {
        this.store = store;
    }

    @GET
    @NonBlocking
    @Operation(summary = "The whole status: appliance, Git source, spec errors, partitions, summary")
    @APIResponse(responseCode = "200", description = "The latest status snapshot",
            content = @Content(mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(implementation = StatusDocument.class)))
    public byte[] status() {
        return store.json();
    }

    @GET
    @Path("/partitions/{name}")
    @NonBlocking
    @Operation(summary = "One partition: phase, desired run state, applied revision, worker, guest, conditions")
    @APIResponse(responseCode = "200", description = "The partition",
            content = @Content(mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(implementation = PartitionStatus.class)))
    @APIResponse(responseCode = "404", description = "Git declares no such partition and no worker for it exists",
            content = @Content(mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(implementation = PartitionNotFound.class)))
    public Response partition(@PathParam("name") String name) {
        return store.partitionJson(name)
                .map(json -> Response.ok(json))
                .orElseGet(() -> Response.status(Response.Status.NOT_FOUND).entity(PartitionNotFound.named(name)))
                .build();
    }
}
