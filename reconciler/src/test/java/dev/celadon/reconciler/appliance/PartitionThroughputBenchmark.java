package dev.celadon.reconciler.appliance;

import dev.celadon.reconciler.testing.GitDaemon;
import dev.celadon.reconciler.testing.StatusClient;
import dev.celadon.reconciler.testing.TestRepo;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.MatchResult;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A benchmark, not a test: {@code make bench} runs it by name, and its name keeps it out of {@code make test}
 * (failsafe runs {@code *IT}). Issue 16's throughput between two partitions on one bridge: inside the appliance
 * image booted under QEMU/TCG, a {@code fetcher} partition on VLAN 20 of celadon0 fetches {@value #MIB_PER_FETCH} MiB
 * from a {@code server} partition on the same VLAN, {@value #FETCHES} times, timed by the fetcher's own clock
 * (the tiny guest's {@code celadon.fetch}). Beside it, measured in the same run from the same server: the LAN peer's
 * fetch over the appliance's uplink, a trunk. Both partitions are in Git before the appliance boots and boot together
 * (TCG inside TCG: many minutes); the server's address is known in advance, as VLAN 20's DHCP server (the peer's
 * udhcpd) leases it by the MAC the reconciler derives from the partition's name and shows in status. The medians go
 * to benchmarks/RESULTS.md by hand.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PartitionThroughputBenchmark {

    private static final Duration BOOT = Duration.ofMinutes(5);
    /** Two guests nested in the emulated appliance boot, get their leases and fetch: up to 20 minutes here. */
    private static final Duration FETCHED = Duration.ofMinutes(45);
    private static final int MIB_PER_FETCH = 2;
    /** How many fetches the tiny guest's {@code celadon.fetch} makes. */
    private static final int FETCHES = 3;
    private static final long MIB = 1024 * 1024;
    /** The server's fixed lease on VLAN 20. */
    private static final String SERVER = "192.168.20.2";
    private static final String URL = "http://" + SERVER + "/cgi-bin/zeros?" + MIB_PER_FETCH;
    private static final Pattern FETCHED_LINE =
            Pattern.compile("celadon-tiny: fetched (\\d+) bytes from \\S+ in ([0-9.]+) s");

    private Path image;
    private Path root;
    private GitDaemon daemon;
    private LanPeer peer;
    private ApplianceVm appliance;

    @BeforeAll
    void startGit() throws IOException {
        image = ApplianceVm.image();
        root = Files.createTempDirectory("celadon-throughput");
        TestRepo repo = TestRepo.create(root.resolve("git"), "fleet");
        repo.write("partitions.d/server.yaml", TinyPartition.spec("server", "", TinyPartition.ON_VLAN));
        repo.write("partitions.d/fetcher.yaml", TinyPartition.spec("fetcher", " celadon.fetch=" + URL, TinyPartition.ON_VLAN));
        repo.commitAndPush("a server and a fetcher on VLAN 20");
        daemon = GitDaemon.start(root.resolve("git"));
    }

    @AfterAll
    void stopEverything() throws IOException {
        for (AutoCloseable closeable : new AutoCloseable[] {appliance, peer, daemon}) {
            if (closeable != null) {
                try {
                    closeable.close();
                } catch (Exception e) {
                    System.err.println("throughput: " + e.getMessage());
                }
            }
        }
        try (Stream<Path> tree = Files.walk(root)) {
            tree.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
        }
    }

    @Test
    void betweenTwoPartitionsOnAVlanBesideTheLanPeer() throws IOException {
        int hubPort = ApplianceVm.freeUdpPort();
        int peerPort = ApplianceVm.freeUdpPort();
        peer = LanPeer.start(ApplianceVm.tinyGuest(image), root.resolve("lan-peer"),
                peerPort, hubPort);
        appliance = ApplianceVm.boot(image, root.resolve("appliance"), """
                # written by PartitionThroughputBenchmark
                celadon.git.url=git://%s/fleet.git
                celadon.git.poll-interval=2s
                celadon.hypervisor.accel=tcg
                """.formatted(ApplianceVm.GIT_HOST), daemon.port(), 0, 0, 0, Map.of(), hubPort, peerPort);
        StatusClient status = new StatusClient(appliance::statusUrl);
        String mac = await("the server's MAC in status").atMost(BOOT).pollInterval(Duration.ofSeconds(1))
                .ignoreExceptions().until(() -> status.partition("server").orElseThrow().path("networks").get(0)
                        .path("mac").asText(), text -> text.matches("[0-9a-f]{2}(:[0-9a-f]{2}){5}"));
        peer.leaseAlways(mac, SERVER);
        long started = System.nanoTime();

        String console = await("the fetcher's " + FETCHES + " fetches").atMost(FETCHED).pollInterval(Duration.ofSeconds(10))
                .ignoreExceptions().until(() -> appliance.isAlive()
                        ? status.get("/status/partitions/fetcher/console?bytes=65536").body() : "(the appliance's QEMU ended)",
                        text -> FETCHED_LINE.matcher(text).results().count() == FETCHES || text.contains("could not fetch")
                                || text.startsWith("(the appliance"));
        assertThat(console).as("the fetcher's console").doesNotContain("could not fetch").doesNotStartWith("(the appliance");
        System.out.printf("throughput: both partitions' guests up and fetched after %.1f s%n", (System.nanoTime() - started) / 1e9);
        assertThat(status.partition("server").orElseThrow().path("networks").get(0).path("addresses").toString())
                .as("the server's lease").contains(SERVER);
        List<MatchResult> lines = FETCHED_LINE.matcher(console).results().toList();
        assertThat(lines).extracting(line -> Long.parseLong(line.group(1))).as("every byte").containsOnly(MIB_PER_FETCH * MIB);
        List<Double> between = lines.stream().map(line -> Double.parseDouble(line.group(2))).toList();
        List<Double> fromPeer = new ArrayList<>();
        for (int i = 0; i < FETCHES; i++) {
            LanPeer.Fetch fetch = peer.fetch(URL, LanPeer.VLAN_INTERFACE);
            assertThat(fetch.bytes()).as("every byte").isEqualTo(MIB_PER_FETCH * MIB);
            fromPeer.add(fetch.seconds());
        }
        double partitions = MIB_PER_FETCH / median(between);
        double lan = MIB_PER_FETCH / median(fromPeer);
        System.out.printf("throughput: partition to partition on VLAN 20 of celadon0: %d MiB in %s s, median %.3f MiB/s%n",
                MIB_PER_FETCH, seconds(between), partitions);
        System.out.printf("throughput: LAN peer to the same partition over the uplink: %d MiB in %s s, median %.3f MiB/s%n",
                MIB_PER_FETCH, seconds(fromPeer), lan);
        System.out.printf("throughput: ratio partition-to-partition / LAN-peer-to-partition: %.2f%n", partitions / lan);
    }

    private static String seconds(List<Double> values) {
        return values.stream().map(value -> String.format("%.2f", value)).toList().toString();
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }
}
