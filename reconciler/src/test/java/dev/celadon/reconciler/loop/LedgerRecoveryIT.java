package dev.celadon.reconciler.loop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.celadon.reconciler.testing.ReconcilerProcess;
import dev.celadon.reconciler.testing.StatusClient;
import dev.celadon.reconciler.testing.TestRepo;
import dev.celadon.reconciler.testing.Workers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The packaged reconciler started on a damaged ledger, as a power cut or a full disk leaves one: it
 * becomes ready, moves the file aside, and re-creates the entry of the partition that runs. In order:
 * an empty ledger on the first start, then a ledger cut short under a running worker, which is adopted.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LedgerRecoveryIT {

    /** TCG on a busy two-core machine. */
    private static final Duration CONVERGE = Duration.ofMinutes(3);

    private final ObjectMapper json = new ObjectMapper();
    private Path stateDir;
    private Path ledger;
    private ReconcilerProcess reconciler;
    private StatusClient status;
    private Map<String, String> env;
    private Path log;

    @BeforeAll
    void repositoryWithOneRunningPartition() throws IOException {
        Path root = Files.createTempDirectory("celadon-ledger");
        stateDir = root.resolve("state");
        ledger = stateDir.resolve("reconciler/ledger.json");
        log = root.resolve("reconciler.log");
        TestRepo repo = TestRepo.create(root.resolve("git"), "fleet");
        repo.write("partitions.d/web.yaml", """
                apiVersion: celadon.dev/v1alpha1
                kind: Partition
                metadata:
                  name: web
                spec:
                  cpus: 1
                  memory: 128Mi
                  boot:
                    kernel: tiny/vmlinuz
                    initrd: tiny/initrd.img
                    cmdline: console=ttyS0 no_timer_check cryptomgr.notests
                  shutdownGracePeriod: 20s
                """);
        repo.commitAndPush("web");
        Path images = Path.of(System.getProperty("celadon-test.images", "../image-builder/target/images"));
        assertThat(images.resolve("tiny/vmlinuz")).as("the tiny guest; run `make guest`").exists();
        env = Map.of(
                "CELADON_GIT_URL", repo.fileUrl(),
                "CELADON_GIT_POLL_INTERVAL", "1s",
                "CELADON_STATE_DIR", stateDir.toString(),
                "CELADON_IMAGES_DIRS", images.toAbsolutePath().toString(),
                "CELADON_HYPERVISOR_ACCEL", "tcg");
    }

    @AfterAll
    void stopEverything() {
        if (reconciler != null) {
            reconciler.close();
        }
        Workers.destroyUnder(stateDir);
    }

    @Test
    @Order(1)
    void anEmptyLedgerIsMovedAsideAndRebuilt() throws IOException {
        Files.createDirectories(ledger.getParent());
        Files.write(ledger, new byte[0]);

        reconciler = ReconcilerProcess.start(env, log);
        status = new StatusClient(() -> reconciler.url(""));

        awaitWebRunningInTheLedger();
        assertThat(reconciler.log()).contains("WARN", "the ledger " + ledger + " is empty: it was moved aside to");
        assertThat(movedAside()).singleElement().satisfies(aside -> assertThat(aside).isEmptyFile());
    }

    @Test
    @Order(2)
    void aLedgerCutShortUnderARunningWorkerIsRebuiltAndTheWorkerAdopted() throws IOException {
        long pid = status.pid("web");
        reconciler.stop();
        byte[] whole = Files.readAllBytes(ledger);
        Files.write(ledger, Arrays.copyOf(whole, whole.length / 2));

        reconciler.restart();

        awaitWebRunningInTheLedger();
        assertThat(status.pid("web")).as("adopted, not restarted").isEqualTo(pid);
        assertThat(reconciler.log()).contains("the ledger " + ledger + " is cut short: it was moved aside to");
        assertThat(movedAside()).hasSize(2);
    }

    private void awaitWebRunningInTheLedger() {
        await("web Running, its entry in the ledger").atMost(CONVERGE).pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> {
                    assertThat(status.phase("web")).isEqualTo("Running");
                    JsonNode entries = json.readTree(ledger.toFile());
                    assertThat(entries.path("web").path("revision").asText()).isNotEmpty();
                });
    }

    private List<Path> movedAside() throws IOException {
        try (Stream<Path> files = Files.list(ledger.getParent())) {
            return files.filter(f -> f.getFileName().toString().startsWith("ledger.json.unreadable-")).toList();
        }
    }
}
