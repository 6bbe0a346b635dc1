package dev.celadon.reconciler.status;

import dev.celadon.hypervisor.Hypervisor;
import dev.celadon.hypervisor.HypervisorException;
import dev.celadon.hypervisor.PartitionName;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * The whole read API (DESIGN.md §5): ten GETs, each answered on the event loop from what is already in
 * memory but the console's, which reads the partition's console log on a worker thread. They are plain Vert.x routes on Quarkus' router: RESTEasy, SmallRye Health and Micrometer, which
 * served them before, loaded about 740 classes that every start paid for in time and RSS
 * (benchmarks/RESULTS.md). HEAD is answered like GET, and Vert.x leaves the body out; every other method was
 * already refused by {@link ReadOnlyHttp}. Any other path is Vert.x's 404.
 */
@Singleton
public class StatusRoutes {

    private static final Logger LOG = Logger.getLogger(StatusRoutes.class);
    static final String JSON = "application/json";
    private static final String HTML = "text/html;charset=utf-8";

    private static final String TEXT = "text/plain; charset=utf-8";

    private final StatusStore store;
    private final EventHistory events;
    private final ReconcileMetrics metrics;
    /** Asked for only by the console route: the status API's own tests run without a hypervisor. */
    private final Instance<Hypervisor> hypervisor;
    private final OpenApiDocument openApi = new OpenApiDocument();

    public StatusRoutes(StatusStore store, EventHistory events, ReconcileMetrics metrics, Instance<Hypervisor> hypervisor) {
        this.store = store;
        this.events = events;
        this.metrics = metrics;
        this.hypervisor = hypervisor;
    }

    void install(@Observes Router router) {
        get(router, "/status", request -> send(request, 200, JSON, store.json()));
        get(router, "/status/partitions/:name", this::partition);
        get(router, "/status/events", this::events);
        // A file read, up to 2 MiB: off the event loop, which serves everything else from memory.
        router.route("/status/partitions/:name/console").method(HttpMethod.GET).method(HttpMethod.HEAD)
                .blockingHandler(this::console, false);
        get(router, "/", request -> send(request, 200, HTML,
                StatusPage.render(store.document(), events.last(EventsSection.SHOWN), Instant.now())
                        .getBytes(StandardCharsets.UTF_8)));
        Handler<RoutingContext> readiness = request -> send(request, Health.ready(store.readiness(Instant.now())));
        get(router, "/q/health/live", request -> send(request, Health.live()));
        get(router, "/q/health/ready", readiness);
        // The overall health is readiness's: liveness has no check of its own.
        get(router, "/q/health", readiness);
        get(router, "/q/metrics", request -> send(request, 200, PrometheusText.CONTENT_TYPE,
                metrics.exposition(store.document())));
        get(router, "/q/openapi", request -> {
            OpenApiDocument.Format format = OpenApiDocument.Format.asked(request.request().getParam("format"),
                    request.request().getHeader(HttpHeaders.ACCEPT));
            send(request, 200, format.contentType(), openApi.bytes(format));
        });
    }

    private void partition(RoutingContext request) {
        String name = request.pathParam("name");
        store.partitionJson(name).ifPresentOrElse(json -> send(request, 200, JSON, json),
                () -> send(request, 404, JSON, store.json(PartitionNotFound.named(name))));
    }

    /** The newest events, as many as {@code ?limit} asks for (all kept by default), oldest first. */
    private void events(RoutingContext request) {
        int limit;
        try {
            limit = EventLimit.asked(request.queryParam(EventLimit.PARAMETER), events.retained());
        } catch (EventLimit.BadLimit e) {
            send(request, 400, JSON, store.json(e.body()));
            return;
        }
        send(request, 200, JSON, store.json(new EventsDocument(events.retained(), events.last(limit))));
    }

    /** The tail of the partition's serial console, of a running or a stopped partition; 404 for one status does not know. */
    private void console(RoutingContext request) {
        String name = request.pathParam("name");
        if (store.partitionJson(name).isEmpty()) {
            send(request, 404, JSON, store.json(PartitionNotFound.named(name)));
            return;
        }
        int bytes;
        try {
            bytes = ConsoleText.bytesAsked(request.queryParam(ConsoleText.PARAMETER));
        } catch (ConsoleText.BadSize e) {
            send(request, 400, JSON, store.json(e.body()));
            return;
        }
        byte[] tail;
        try {
            tail = hypervisor.get().consoleTail(new PartitionName(name), bytes);
        } catch (HypervisorException e) {
            LOG.warnf("cannot read the console of %s: %s", name, e.getMessage());
            request.fail(500, e);
            return;
        }
        // What a guest printed is never a page: no browser may take it for HTML, nor keep a stale copy.
        request.response().putHeader("X-Content-Type-Options", "nosniff").putHeader(HttpHeaders.CACHE_CONTROL, "no-store");
        send(request, 200, TEXT, ConsoleText.utf8(tail));
    }

    private static void get(Router router, String path, Handler<RoutingContext> handler) {
        router.route(path).method(HttpMethod.GET).method(HttpMethod.HEAD).handler(handler);
    }

    private static void send(RoutingContext request, Health.Answer answer) {
        send(request, answer.status(), JSON, answer.body());
    }

    private static void send(RoutingContext request, int status, String contentType, byte[] body) {
        request.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, contentType)
                .end(Buffer.buffer(body));
    }
}
