package dev.celadon.reconciler.status;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static com.fasterxml.jackson.databind.node.JsonNodeType.ARRAY;
import static com.fasterxml.jackson.databind.node.JsonNodeType.BOOLEAN;
import static com.fasterxml.jackson.databind.node.JsonNodeType.NULL;
import static com.fasterxml.jackson.databind.node.JsonNodeType.NUMBER;
import static com.fasterxml.jackson.databind.node.JsonNodeType.OBJECT;
import static com.fasterxml.jackson.databind.node.JsonNodeType.STRING;
import static io.restassured.RestAssured.given;
import static io.restassured.RestAssured.when;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.is;

/** The JSON contract of DESIGN.md §5: every field present, with its type, whatever its value. */
@QuarkusTest
class StatusRoutesTest {

    @Inject
    StatusStore store;

    private final ObjectMapper json = new ObjectMapper();

    @BeforeEach
    void publish() {
        store.publish(StatusFixtures.healthy());
    }

    @Test
    void statusHasEveryFieldOfTheContractWithItsType() throws Exception {
        String body = when().get("/status").then()
                .statusCode(200)
                .contentType("application/json")
                .extract().asString();

        JsonNode status = json.readTree(body);
        assertFields(status, Map.of("appliance", OBJECT, "source", OBJECT, "errors", ARRAY, "partitions", ARRAY,
                "summary", OBJECT));
        assertFields(status.get("appliance"), Map.of("name", STRING, "version", STRING, "slot", STRING, "upgrade", OBJECT,
                "accel", STRING, "labels", OBJECT, "network", OBJECT));
        assertFields(status.get("appliance").get("upgrade"), Map.of("version", STRING, "state", STRING, "message", STRING,
                "since", STRING));
        assertFields(status.get("appliance").get("network"), Map.of("addressing", STRING, "bridges", ARRAY));
        assertFields(status.get("appliance").get("network").get("bridges").get(0), Map.of("name", STRING,
                "present", BOOLEAN, "vlanFiltering", BOOLEAN, "uplink", STRING, "addresses", ARRAY));
        // Nulls are written, not dropped: a reader can rely on every key.
        assertFields(status.get("source"), Map.of("url", STRING, "branch", STRING, "revision", STRING,
                "lastSyncAt", STRING, "lastError", NULL, "stale", BOOLEAN, "verification", NULL));
        assertFields(status.get("summary"), Map.of("desired", NUMBER, "running", NUMBER, "failed", NUMBER));

        JsonNode running = status.get("partitions").get(0);
        assertPartition(running, OBJECT, NULL);
        assertFields(running.get("worker"), Map.of("pid", NUMBER, "accel", STRING, "cpus", NUMBER,
                "memoryBytes", NUMBER, "balloonBytes", NUMBER, "isolation", STRING));
        assertFields(running.get("guest"), Map.of("heartbeatAt", STRING, "os", STRING, "hostname", STRING,
                "addresses", ARRAY, "current", BOOLEAN));
        assertFields(running.get("conditions").get(0), Map.of("type", STRING, "status", STRING, "reason", STRING,
                "message", STRING, "since", STRING));

        assertFields(running.get("networks").get(0), Map.of("name", STRING, "mac", STRING, "tap", STRING, "bridge", STRING,
                "vlan", NUMBER, "model", STRING, "addresses", ARRAY));
        assertFields(running.get("networks").get(1), Map.of("name", STRING, "mac", STRING, "tap", NULL, "bridge", NULL,
                "vlan", NULL, "model", STRING, "addresses", ARRAY));

        JsonNode stopped = status.get("partitions").get(1);
        assertPartition(stopped, NULL, NULL);
        assertFields(stopped.get("guest"), Map.of("heartbeatAt", NULL, "os", NULL, "hostname", NULL,
                "addresses", ARRAY, "current", BOOLEAN));
    }

    @Test
    void instantsAreIsoStringsAndValuesAreThePublishedOnes() {
        when().get("/status").then()
                .statusCode(200)
                .body("appliance.name", equalTo("host-a"))
                .body("appliance.labels.role", equalTo("edge"))
                .body("source.revision", equalTo(StatusFixtures.GOOD_REVISION))
                .body("source.lastSyncAt", equalTo("2025-05-01T10:00:00Z"))
                .body("partitions[0].guest.heartbeatAt", equalTo("2025-05-01T09:59:59Z"))
                .body("partitions[0].phase", equalTo("Running"))
                .body("partitions[0].worker.pid", equalTo(4242))
                .body("summary.desired", equalTo(2));
    }

    @Test
    void specErrorsCarryTheirLocation() throws Exception {
        store.publish(StatusFixtures.troubled());

        String body = when().get("/status").then().statusCode(200)
                .body("errors[0].file", equalTo("partitions.d/web.yaml"))
                .body("errors[0].line", equalTo(7))
                .body("errors[0].column", equalTo(10))
                .body("errors[0].field", equalTo("spec.cpus"))
                .body("errors[0].revision", equalTo(StatusFixtures.BAD_REVISION))
                .body("source.stale", is(true))
                .extract().asString();
        assertThat(json.readTree(body).at("/partitions/1/pending").asText()).isEqualTo("restart: cpus 1 → 2");
    }

    @Test
    void onePartitionByName() {
        when().get("/status/partitions/db-01").then()
                .statusCode(200)
                .contentType("application/json")
                .body("name", equalTo("db-01"))
                .body("phase", equalTo("Stopped"))
                .body("runState", equalTo("Stopped"))
                .body("revision", equalTo(StatusFixtures.GOOD_REVISION))
                .body("restarts", equalTo(0));
    }

    @Test
    void unknownPartitionIs404NamingIt() {
        when().get("/status/partitions/nope-9").then()
                .statusCode(404)
                .contentType("application/json")
                .body("partition", equalTo("nope-9"))
                .body("message", equalTo("no partition named 'nope-9' on this appliance"));
    }

    @Test
    void headIsAnsweredLikeGet() {
        given().head("/status").then().statusCode(200).contentType("application/json");
        given().head("/").then().statusCode(200).contentType("text/html");
    }

    @Test
    void aNewDocumentReplacesTheOldOneWhole() {
        store.publish(StatusFixtures.troubled());

        when().get("/status/partitions/db-01").then().statusCode(404);
        when().get("/status/partitions/web-02").then().statusCode(200).body("phase", equalTo("Failed"));
    }

    private static void assertPartition(JsonNode partition, JsonNodeType worker, JsonNodeType pending) {
        assertFields(partition, Map.of("name", STRING, "phase", STRING, "runState", STRING, "revision", STRING,
                "worker", worker, "guest", OBJECT, "conditions", ARRAY, "restarts", NUMBER, "pending", pending,
                "networks", ARRAY));
    }

    /** Exactly these fields, each of this JSON type. */
    private static void assertFields(JsonNode node, Map<String, JsonNodeType> expected) {
        assertThat(node.properties()).extracting(Map.Entry::getKey)
                .as("fields of %s", node)
                .containsExactlyInAnyOrderElementsOf(expected.keySet());
        expected.forEach((field, type) ->
                assertThat(node.get(field).getNodeType()).as("type of %s in %s", field, node).isEqualTo(type));
    }
}
