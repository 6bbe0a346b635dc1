package dev.celadon.reconciler.status;

import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.when;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code GET /}: the status as HTML, complete without JavaScript, with every value escaped. */
@QuarkusTest
class StatusPageRouteTest {

    @Inject
    StatusStore store;

    @Test
    void showsTheStatus() {
        store.publish(StatusFixtures.healthy());

        String page = page();
        assertThat(page).contains("host-a", "tcg", "0.1.0", "id=\"slot\">A<", "Downloading, 10485760 of 94371840 bytes (11%)", "role=edge",
                "https://git.example/fleet.git", StatusFixtures.GOOD_REVISION,
                "data-partition=\"web-01\"", "data-partition=\"db-01\"", ">Running<", ">Stopped<",
                "pid 4242 · tcg", "10.0.2.15", "Debian GNU/Linux 12",
                "2 desired", "1 running", "0 failed");
        // Nothing wrong, nothing shouted.
        assertThat(page).doesNotContain("id=\"stale\"", "id=\"errors\"", "stopped as desired");
    }

    @Test
    void showsWhatIsWrongFirst() {
        store.publish(StatusFixtures.troubled());

        String page = page();
        assertThat(page).contains("id=\"stale\"", "connection refused",
                "partitions.d/web.yaml:7:10:", "spec.cpus:", "Revision fedcba9 was rejected",
                ">Failed<", "restart: cpus 1 → 2", "RestartRequired", "1 failed");
        assertThat(page.indexOf("id=\"stale\"")).isLessThan(page.indexOf("id=\"partitions\""));
    }

    @Test
    void committerTextIsEscapedNotRun() {
        store.publish(StatusFixtures.troubled());

        String page = page();
        assertThat(page).contains("qemu exited: &lt;script&gt;window.pwned = true&lt;/script&gt;",
                "must be at least 1 &lt;script&gt;");
        assertThat(page).doesNotContain(StatusFixtures.SCRIPT);
    }

    @Test
    void credentialsAreNeverServed() {
        store.publish(StatusFixtures.troubled());

        assertThat(page()).doesNotContain(StatusFixtures.SECRET).contains("https://git.example/fleet.git");
        assertThat(when().get("/status").then().statusCode(200).extract().asString())
                .doesNotContain(StatusFixtures.SECRET)
                .contains("\"url\":\"https://git.example/fleet.git\"");
    }

    private static String page() {
        return when().get("/").then()
                .statusCode(200)
                .contentType("text/html")
                .extract().asString();
    }
}
