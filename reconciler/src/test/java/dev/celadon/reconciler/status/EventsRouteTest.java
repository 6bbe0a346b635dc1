package dev.celadon.reconciler.status;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.restassured.RestAssured.given;
import static io.restassured.RestAssured.when;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/** {@code GET /status/events}: the newest events as JSON, the page's section, and the counters of /q/metrics. */
@QuarkusTest
class EventsRouteTest {

    private static final Instant AT = Instant.parse("2026-11-30T12:00:00Z");

    @Inject
    EventHistory history;

    @Inject
    StatusStore store;

    private final ObjectMapper json = new ObjectMapper();

    /** Three events about a partition of its own, so other tests' events do not matter. */
    private String recordThree() {
        String name = "p-" + UUID.randomUUID().toString().substring(0, 8);
        history.record(Event.revisionFetched(AT, StatusFixtures.GOOD_REVISION, Duration.ofMillis(40)));
        history.record(Event.action(EventType.ActionPlanned, AT, name, StatusFixtures.GOOD_REVISION, "restart", null,
                "restart: cpus 1 → 2", null));
        history.record(Event.action(EventType.ActionFailed, AT.plusSeconds(2), name, StatusFixtures.GOOD_REVISION,
                "restart", "HostFileMissing", "web.yaml:1:1: spec.boot.kernel: next/vmlinuz not found "
                        + StatusFixtures.SCRIPT, Duration.ofMillis(1500)));
        return name;
    }

    @Test
    void theNewestEventsOldestFirstWithEveryField() throws Exception {
        String name = recordThree();

        JsonNode body = json.readTree(when().get("/status/events?limit=3").then()
                .statusCode(200).contentType("application/json").extract().asString());

        assertThat(body.path("retained").asInt()).isEqualTo(500);
        JsonNode events = body.path("events");
        assertThat(events).hasSize(3);
        assertThat(events.get(0).path("type").asText()).isEqualTo("RevisionFetched");
        assertThat(events.get(0).path("durationMillis").asLong()).isEqualTo(40);
        assertThat(events.get(0).path("partition").isNull()).as("every field present, null when it does not apply")
                .isTrue();
        JsonNode failed = events.get(2);
        assertThat(failed.properties()).extracting(java.util.Map.Entry::getKey).containsExactlyInAnyOrder("id", "at",
                "type", "partition", "revision", "action", "reason", "message", "durationMillis");
        assertThat(failed.path("id").asLong()).isEqualTo(events.get(1).path("id").asLong() + 1);
        assertThat(failed.path("at").asText()).isEqualTo("2026-11-30T12:00:02Z");
        assertThat(failed.path("type").asText()).isEqualTo("ActionFailed");
        assertThat(failed.path("partition").asText()).isEqualTo(name);
        assertThat(failed.path("revision").asText()).isEqualTo(StatusFixtures.GOOD_REVISION);
        assertThat(failed.path("action").asText()).isEqualTo("restart");
        assertThat(failed.path("reason").asText()).isEqualTo("HostFileMissing");
        assertThat(failed.path("durationMillis").asLong()).isEqualTo(1500);
    }

    @Test
    void allThatAreKeptWithoutALimit() {
        recordThree();
        int kept = history.last(EventHistory.MAX_RETAINED).size();

        when().get("/status/events").then().statusCode(200).body("events.size()", equalTo(kept));
    }

    @Test
    void aLimitThatIsNoCountOfEventsIs400NamingIt() {
        for (String bad : List.of("0", "-1", "abc", "10001", "1e3", " 5", "99999999999999999999")) {
            given().queryParam("limit", bad).get("/status/events").then()
                    .statusCode(400)
                    .contentType("application/json")
                    .body("parameter", equalTo("limit"))
                    .body("value", equalTo(bad))
                    .body("message", equalTo("limit='" + bad + "' is not a whole number of events from 1 to 10000"));
        }
        when().get("/status/events?limit=1&limit=2").then().statusCode(400).body("value", equalTo("1,2"));
    }

    @Test
    void readOnlyLikeTheRest() {
        for (String method : List.of("POST", "PUT", "DELETE", "PATCH")) {
            given().request(method, "/status/events").then().statusCode(405).header("Allow", "GET, HEAD");
        }
        given().head("/status/events").then().statusCode(200).contentType("application/json");
    }

    @Test
    void thePageShowsTheNewestEscaped() {
        store.publish(StatusFixtures.healthy());
        String name = recordThree();

        String page = when().get("/").then().statusCode(200).extract().asString();
        String section = page.substring(page.indexOf("<section id=\"events\""));
        section = section.substring(0, section.indexOf("</section>"));
        assertThat(section).contains("Recent events", "href=\"/status/events\"", "class=\"event-ActionFailed\"",
                name, "HostFileMissing", "1.5 s", "0123456", "not found &lt;script&gt;");
        assertThat(section).doesNotContain(StatusFixtures.SCRIPT);
        String row = "</td><td class=\"partition\">" + name + "<";
        assertThat(section.indexOf("ActionPlanned" + row)).as("oldest first").isPositive()
                .isLessThan(section.indexOf("ActionFailed" + row));
    }

    @Test
    void actionsAreCountedByOutcome() {
        double before = value(scrape(), "celadon_actions_total{action=\"restart\",outcome=\"failed\"}");
        double appliedBefore = value(scrape(), "celadon_actions_total{action=\"restart\",outcome=\"applied\"}");

        recordThree();

        String after = scrape();
        assertThat(value(after, "celadon_actions_total{action=\"restart\",outcome=\"failed\"}")).isEqualTo(before + 1);
        assertThat(value(after, "celadon_actions_total{action=\"restart\",outcome=\"applied\"}")).isEqualTo(appliedBefore);
        assertThat(after).contains("celadon_actions_total{action=\"delete\",outcome=\"rolled-back\"} 0.0",
                "# TYPE celadon_actions_total counter");
    }

    private static String scrape() {
        return when().get("/q/metrics").then().statusCode(200).extract().asString();
    }

    private static double value(String scrape, String series) {
        Matcher sample = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(scrape);
        assertThat(sample.find()).as("%s in%n%s", series, scrape).isTrue();
        return Double.parseDouble(sample.group(1));
    }
}
