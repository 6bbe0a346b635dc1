package dev.celadon.reconciler.status;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.Method;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.stream.Stream;

import static io.restassured.RestAssured.given;
import static io.restassured.RestAssured.when;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/** There is no write API: every method but GET and HEAD is 405 on every path, known or not. */
@QuarkusTest
class ReadOnlyHttpTest {

    private static final List<String> PATHS = List.of("/status", "/status/partitions/web-01",
            "/status/partitions/nope", "/status/partitions/web-01/console", "/status/partitions/nope/console", "/", "/assets/status.js", "/q/health", "/q/health/live", "/q/health/ready",
            "/q/metrics", "/q/openapi", "/q/no-such-thing", "/no/such/path");

    private static final List<Method> WRITES = List.of(Method.POST, Method.PUT, Method.DELETE, Method.PATCH,
            Method.OPTIONS, Method.TRACE);

    static Stream<Arguments> everyWriteOnEveryPath() {
        return PATHS.stream().flatMap(path -> WRITES.stream().map(method -> Arguments.of(method, path)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("everyWriteOnEveryPath")
    void isMethodNotAllowed(Method method, String path) {
        given().body("{\"spec\":{\"runState\":\"Stopped\"}}").contentType("application/json")
                .request(method, path)
                .then()
                .statusCode(405)
                .header("Allow", equalTo("GET, HEAD"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"/no/such/path", "/status/nope", "/q/no-such-thing"})
    void unknownPathsAreNotFound(String path) {
        when().get(path).then().statusCode(404);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/status", "/", "/assets/status.css", "/assets/status.js", "/q/health/live",
            "/q/metrics", "/q/openapi"})
    void readsAreServed(String path) {
        when().get(path).then().statusCode(200);
    }

    @Test
    void theRefusalSaysWhereChangesGo() {
        given().post("/status").then().statusCode(405).body(containsString("change the desired state in Git"));
    }
}
