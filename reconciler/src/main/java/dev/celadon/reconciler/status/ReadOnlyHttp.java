package dev.celadon.reconciler.status;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

/**
 * There is no write API (DESIGN.md §1, §5): Git is the only way to change anything. Every method but GET and
 * HEAD is answered 405 on every path, the application's, the {@code /q/} ones and unknown ones alike, so no
 * endpoint an extension adds later can become a way in. The route is the router's first, so a rejected
 * request's body is never read.
 */
@Singleton
public class ReadOnlyHttp {

    static final String ALLOWED = "GET, HEAD";
    private static final String BODY =
            "{\"error\":\"method not allowed: the status API is read-only; change the desired state in Git\"}";

    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).handler(ReadOnlyHttp::allowReadsOnly);
    }

    private static void allowReadsOnly(RoutingContext request) {
        HttpMethod method = request.request().method();
        if (method == HttpMethod.GET || method == HttpMethod.HEAD) {
            request.next();
            return;
        }
        request.response()
                .setStatusCode(405)
                .putHeader(HttpHeaders.ALLOW, ALLOWED)
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .end(BODY);
    }
}
