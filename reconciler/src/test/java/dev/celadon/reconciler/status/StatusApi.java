package dev.celadon.reconciler.status;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * {@code GET /status}, {@code GET /status/partitions/{name}} and its {@code /console}, {@code GET /status/events} of {@link StatusRoutes}, in the JAX-RS terms
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

    @GET
    @Path("/partitions/{name}/console")
    @Produces("text/plain;charset=utf-8")
    @Operation(summary = "The tail of the partition's serial console, as the guest printed it (of a stopped "
            + "partition: its last output); what is no UTF-8 is sent as U+FFFD")
    @APIResponse(responseCode = "200", description = "The console's last bytes, starting at a character",
            content = @Content(mediaType = "text/plain;charset=utf-8", schema = @Schema(type = SchemaType.STRING)))
    @APIResponse(responseCode = "400", description = "bytes is not a whole number from 1 to what a console keeps",
            content = @Content(mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(implementation = InvalidParameter.class)))
    @APIResponse(responseCode = "404", description = "Git declares no such partition and no worker for it exists",
            content = @Content(mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(implementation = PartitionNotFound.class)))
    String console(@PathParam("name") String name,
                   @Parameter(description = "How many of the console's last bytes; default 65536 (64 KiB)",
                           schema = @Schema(type = SchemaType.INTEGER, minimum = "1", maximum = "2097152",
                                   defaultValue = "65536"))
                   @QueryParam("bytes") Integer bytes) {
        return null;
    }

    @GET
    @Path("/events")
    @Operation(summary = "The history: the newest events (revisions fetched, verified or refused; actions planned, "
            + "applied, failed or rolled back), oldest first, kept across restarts")
    @APIResponse(responseCode = "200", description = "The newest events, as many as asked for",
            content = @Content(mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(implementation = EventsDocument.class)))
    @APIResponse(responseCode = "400", description = "limit is not a whole number from 1 to 10000",
            content = @Content(mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(implementation = InvalidParameter.class)))
    EventsDocument events(@Parameter(description = "How many of the newest events; default all that are kept "
                                  + "(celadon.events.retained)",
                                  schema = @Schema(type = SchemaType.INTEGER, minimum = "1", maximum = "10000"))
                          @QueryParam("limit") Integer limit) {
        return null;
    }
}
