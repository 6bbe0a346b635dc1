package dev.celadon.reconciler.status;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * The whole read API (DESIGN.md §5): eight GETs, each answered on the event loop from what is already in
 * memory. They are plain Vert.x routes on Quarkus' router: RESTEasy, SmallRye Health and Micrometer, which
 * served them before, loaded about 740 classes that every start paid for in time and RSS
 * (benchmarks/RESULTS.md). HEAD is answered like GET, and Vert.x leaves the body out; every other method was
 * already refused by {@link ReadOnlyHttp}. Any other path is Vert.x's 404.
 */
@Singleton
public class StatusRoutes {

    static final String JSON = "application/json";
    private static final String HTML = "text/html;charset=utf-8";

    private final StatusStore store;
    private final ReconcileMetrics metrics;
    private final OpenApiDocument openApi = new OpenApiDocument();

    public StatusRoutes(StatusStore store, ReconcileMetrics metrics) {
        this.store = store;
        this.metrics = metrics;
    }

    void install(@Observes Router router) {
        get(router, "/status", request -> send(request, 200, JSON, store.json()));
        get(router, "/status/partitions/:name", this::partition);
        get(router, "/", request -> send(request, 200, HTML,
                StatusPage.render(store.document(), Instant.now()).getBytes(StandardCharsets.UTF_8)));
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
