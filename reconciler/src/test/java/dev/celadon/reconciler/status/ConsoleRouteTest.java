package dev.celadon.reconciler.status;

import dev.celadon.hypervisor.ConsoleLog;
import dev.celadon.hypervisor.Hypervisor;
import dev.celadon.hypervisor.PartitionName;
import dev.celadon.hypervisor.qemu.QemuHypervisor;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static io.restassured.RestAssured.given;
import static io.restassured.RestAssured.when;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.emptyString;
import static org.hamcrest.Matchers.equalTo;

/**
 * {@code GET /status/partitions/{name}/console}: the tail of a console the real QEMU hypervisor keeps, read from
 * files written where its workers write them (the test profile's state dir).
 */
@QuarkusTest
class ConsoleRouteTest {

    private static final String PATH = "/status/partitions/web-01/console";

    @Inject
    StatusStore store;

    @Inject
    Hypervisor hypervisor;

    private Path log;

    @BeforeEach
    void consoleOfWeb01() throws IOException {
        store.publish(StatusFixtures.healthy());
        log = ((QemuHypervisor) hypervisor).consoleLog(new PartitionName("web-01"));
        Files.createDirectories(log.getParent());
        Files.deleteIfExists(log);
        Files.deleteIfExists(log.resolveSibling("console.log.1"));
    }

    @Test
    void theTailIsPlainTextThatNoBrowserTakesForAPage() throws IOException {
        Files.writeString(log, "Linux version 6.1.0\r\n<script>alert(1)</script>\r\nceladon-tiny: ready\r\n");
        given().get(PATH).then()
                .statusCode(200)
                .header("Content-Type", equalTo("text/plain; charset=utf-8"))
                .header("X-Content-Type-Options", equalTo("nosniff"))
                .header("Cache-Control", equalTo("no-store"))
                .body(equalTo("Linux version 6.1.0\r\n<script>alert(1)</script>\r\nceladon-tiny: ready\r\n"));
    }

    @Test
    void sixtyFourKibibytesByDefaultAndWhatIsAskedAcrossTheRotation() throws IOException {
        byte[] older = filled(ConsoleLog.KEPT_BYTES / 2, 'o');
        byte[] newer = filled(100 * 1024, 'n');
        Files.write(log.resolveSibling("console.log.1"), older);
        Files.write(log, newer);

        assertThat(body(PATH)).isEqualTo(filled(64 * 1024, 'n'));
        assertThat(body(PATH + "?bytes=10")).isEqualTo(filled(10, 'n'));
        byte[] across = body(PATH + "?bytes=" + (100 * 1024 + 5));
        assertThat(new String(across, StandardCharsets.US_ASCII)).startsWith("ooooon").hasSize(100 * 1024 + 5);
        byte[] all = body(PATH + "?bytes=" + ConsoleLog.KEPT_BYTES);
        assertThat(all).hasSize(older.length + newer.length);
    }

    @Test
    void bytesThatAreNoUtf8BecomeReplacementCharactersAndACutCharacterIsLeftOut() throws IOException {
        byte[] guest = {'a', (byte) 0xFF, 'b', (byte) 0xE2, (byte) 0x82, (byte) 0xAC, 'c', (byte) 0xC3};
        Files.write(log, guest);
        assertThat(new String(body(PATH), StandardCharsets.UTF_8)).isEqualTo("a\uFFFDb€c\uFFFD");
        // The last 4 bytes start inside the €: its tail is left out, not shown as garbage.
        assertThat(new String(body(PATH + "?bytes=5"), StandardCharsets.UTF_8)).isEqualTo("€c\uFFFD");
        assertThat(new String(body(PATH + "?bytes=4"), StandardCharsets.UTF_8)).isEqualTo("c\uFFFD");
    }

    @Test
    void aPartitionWithoutConsoleOutputHasAnEmptyOne() {
        given().get("/status/partitions/db-01/console").then().statusCode(200).body(emptyString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "-1", "abc", "1.5", "1e3", "+5", " 5", "2097153", "99999999999999999999", ""})
    void aBadByteCountIs400NamingTheParameterAndValue(String value) {
        given().queryParam("bytes", value).get(PATH).then()
                .statusCode(400)
                .contentType("application/json")
                .body("parameter", equalTo("bytes"))
                .body("value", equalTo(value))
                .body("message", allOf(containsString("bytes='" + value + "'"), containsString("from 1 to 2097152")));
    }

    @Test
    void aValueGivenTwiceOrTooLongToQuoteIsRefusedToo() {
        given().get(PATH + "?bytes=5&bytes=6").then().statusCode(400).body("value", equalTo("5,6"));
        String huge = "9".repeat(1000);
        String quoted = given().queryParam("bytes", huge).get(PATH).then().statusCode(400).extract().path("value");
        assertThat(quoted).hasSizeLessThan(50).endsWith("…");
    }

    @Test
    void anUnknownPartitionIs404() {
        when().get("/status/partitions/nope-9/console").then()
                .statusCode(404)
                .contentType("application/json")
                .body("partition", equalTo("nope-9"));
    }

    @Test
    void headIsAnsweredLikeGet() throws IOException {
        Files.writeString(log, "boot\n");
        given().head(PATH).then().statusCode(200).header("Content-Type", equalTo("text/plain; charset=utf-8"))
                .body(emptyString());
    }

    private static byte[] body(String path) {
        return when().get(path).then().statusCode(200).extract().asByteArray();
    }

    private static byte[] filled(int length, char c) {
        byte[] bytes = new byte[length];
        Arrays.fill(bytes, (byte) c);
        return bytes;
    }
}
