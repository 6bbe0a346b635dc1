package dev.celadon.reconciler.status;

import io.smallrye.common.annotation.NonBlocking;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.time.Instant;

/** {@code GET /}: the same status as {@code /status}, for people (see {@link StatusPage}). */
@Path("/")
@Tag(name = "status")
public class StatusPageResource {

    private final StatusStore store;

    public StatusPageResource(StatusStore store) {
        this.store = store;
    }

    @GET
    @NonBlocking
    @Produces(MediaType.TEXT_HTML + ";charset=utf-8")
    @Operation(summary = "The status as an HTML page that refreshes itself")
    public String page() {
        return StatusPage.render(store.document(), Instant.now());
    }
}
