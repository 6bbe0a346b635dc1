package dev.celadon.reconciler.status;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.restassured.RestAssured.given;
import static io.restassured.RestAssured.when;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

/**
 * {@code /q/openapi} describes the GET endpoints with the records' schemas, and nothing that writes: YAML
 * by default, JSON on request, as Quarkus' OpenAPI extension serves it; and every path it documents is served.
 */
@QuarkusTest
class OpenApiTest {

    @Inject
    StatusStore store;

    @Test
    void everyDocumentedPathIsServed() {
        store.publish(StatusFixtures.healthy());
        Map<String, Object> paths = JsonPath.from(given().queryParam("format", "json").get("/q/openapi").asString())
                .getMap("paths");
        assertThat(paths).isNotEmpty();
        paths.keySet().forEach(path -> when().get(path.replace("{name}", "web-01")).then().statusCode(200));
    }

    @Test
    void describesTheReadOnlyEndpoints() {
        given().queryParam("format", "json").get("/q/openapi").then()
                .statusCode(200)
                .body("paths.'/status'.get.responses.'200'.content.'application/json'.schema.'$ref'",
                        notNullValue())
                .body("paths.'/status'.post", nullValue())
                .body("paths.'/status/partitions/{name}'.get.responses.'404'", notNullValue())
                .body("paths.'/'.get.responses.'200'.content", notNullValue())
                .body("components.schemas.StatusDocument.properties.keySet()",
                        hasItems("appliance", "source", "errors", "partitions", "summary"))
                .body("components.schemas.PartitionStatus.properties.keySet()",
                        hasItems("name", "phase", "runState", "revision", "worker", "guest", "conditions",
                                "restarts", "pending"))
                .body("components.schemas.SourceStatus.properties.keySet()",
                        hasItems("url", "branch", "revision", "lastSyncAt", "lastError", "stale"));
    }

    @Test
    void yamlByDefault() {
        given().get("/q/openapi").then()
                .statusCode(200)
                .contentType(startsWith("application/yaml"))
                .body(startsWith("---\nopenapi: 3.1.0"), containsString("/status/partitions/{name}:"));
    }

    @Test
    void jsonWhenTheClientAcceptsJson() {
        given().accept("application/json").get("/q/openapi").then()
                .statusCode(200)
                .contentType(startsWith("application/json"))
                .body("info.title", equalTo("Celadon status API"));
    }
}
