package dev.celadon.reconciler.status;

import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.when;
import static org.hamcrest.Matchers.equalTo;

/** Live while the process answers; ready once status reflects Git. */
@QuarkusTest
class HealthTest {

    @Inject
    StatusStore store;

    // One test: readiness only ever goes from DOWN to UP, and the application is shared by the test classes.
    @Test
    void readyAfterTheFirstSyncLiveAlways() {
        when().get("/q/health/live").then().statusCode(200).contentType("application/json")
                .body("status", equalTo("UP"));
        when().get("/q/health/ready").then().statusCode(503).contentType("application/json")
                .body("status", equalTo("DOWN"))
                .body("checks.find { it.name == 'git-first-sync' }.status", equalTo("DOWN"));
        when().get("/q/health").then().statusCode(503).body("status", equalTo("DOWN"));

        store.markReflectsGit();

        when().get("/q/health/ready").then().statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.find { it.name == 'git-first-sync' }.status", equalTo("UP"));
        when().get("/q/health").then().statusCode(200).body("status", equalTo("UP"));
        when().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
    }
}
