package dev.celadon.reconciler.appliance;

import com.fasterxml.jackson.databind.JsonNode;

import dev.celadon.reconciler.testing.BusyboxHttpd;
import dev.celadon.reconciler.testing.GitDaemon;
import dev.celadon.reconciler.testing.GitHttpServer;
import dev.celadon.reconciler.testing.StatusClient;
import dev.celadon.reconciler.testing.TestRepo;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The appliance image (issue 5) on real parts: the image {@code make image} built, booted under
 * QEMU + OVMF with TCG, configured only through celadon.properties on its ESP, following a real
 * {@code git daemon} on the host's loopback; the first boot follows the same repository over smart HTTP
 * that wants a token, which it gets from the ESP's {@code celadon/} folder (issue 19). The image path comes from the system property
 * {@code celadon-test.appliance}; without the image the test fails and says to run {@code make image}.
 * Slow: each boot takes about a minute of emulation, the partitions inside (TCG inside TCG) minutes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ApplianceIT {

    /** Firmware, kernel, the JVM start under TCG: about 50 s on two idle cores; generous for busy ones. */
    private static final Duration BOOT = Duration.ofMinutes(5);
    /**
     * A tiny guest emulated inside the emulated appliance: 4 to 17 minutes from its start to its DHCP lease in status
     * on these machines, varying with the machine and the load of the host they share.
     */
    private static final Duration CONVERGE = Duration.ofMinutes(30);
    private static final long MIB = 1024 * 1024;
    /** What {@link #theLanPeerFetchesFromAPartitionOnAVlan} moves, in MiB. */
    private static final int FETCH_MIB = 2;
    /** How long a guest on a reachable path may take to answer a ping: ARP and the first echo, TCG inside TCG, under load. */
    private static final Duration ANSWERS_WITHIN = Duration.ofSeconds(60);
    /** How long a guest on an unreachable path is pinged, after the same guest answered on its own path. */
    private static final Duration SILENT_FOR = Duration.ofSeconds(10);

    private Path image;
    private Path root;
    private TestRepo repo;
    private GitDaemon daemon;
    /** The same repository over smart HTTP, for a token only: the one the first boot gets from its ESP. */
    private GitHttpServer httpGit;
    private static final String TOKEN = "appliance-it-s3cret-token";
    /** Boot images for the upgrade tests, served by a real HTTP server from {@code www}. */
    private Path www;
    private BusyboxHttpd images;
    private final List<ApplianceVm> vms = new ArrayList<>();
    private ApplianceVm appliance;
    /** Another machine on the appliance's LAN, serving VLAN 20. */
    private LanPeer peer;
    private StatusClient status;

    @BeforeAll
    void startGit() throws IOException {
        image = ApplianceVm.image();
        root = Files.createTempDirectory("celadon-appliance");
        repo = TestRepo.create(root.resolve("git"), "fleet");
        repo.write("partitions.d/README.md", "specs for the appliance test\n");
        repo.commitAndPush("start empty");
        daemon = GitDaemon.start(root.resolve("git"));
        httpGit = GitHttpServer.start(root.resolve("git"), Optional.of("Bearer " + TOKEN));
        www = Files.createDirectories(root.resolve("www"));
        images = BusyboxHttpd.start(www, Optional.empty(), root.resolve("httpd.log"));
    }

    @AfterAll
    void stopEverything() {
        vms.forEach(ApplianceVm::close);
        if (peer != null) {
            peer.close();
        }
        if (daemon != null) {
            daemon.close();
        }
        if (httpGit != null) {
            httpGit.close();
        }
        if (images != null) {
            images.close();
        }
        // Three disk copies and two builds: hundreds of MB that no one reads afterwards.
        if (root != null) {
            try (Stream<Path> tree = Files.walk(root)) {
                tree.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
            } catch (IOException e) {
                System.err.println("appliance: cannot remove " + root + ": " + e.getMessage());
            }
        }
    }

    private ApplianceVm boot(String name, String properties) throws IOException {
        return boot(name, properties, 0);
    }

    private ApplianceVm boot(String name, String properties, int extraMib) throws IOException {
        ApplianceVm vm = ApplianceVm.boot(image, root.resolve(name), properties, daemon.port(), extraMib);
        vms.add(vm);
        return vm;
    }

    /** The repository at the guest's HTTP forward, the path as the server has it. */
    private String gitHttpUrl() {
        return httpGit.url(repo).replace("127.0.0.1:" + httpGit.port(), ApplianceVm.GIT_HTTP_HOST);
    }

    private static String gitUrl() {
        return "git://" + ApplianceVm.GIT_HOST + "/fleet.git";
    }

    private static void awaitConsole(ApplianceVm vm, String text) {
        await("console shows " + text).atMost(BOOT).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            assertThat(vm.isAlive()).as("QEMU is running").isTrue();
            assertThat(vm.console()).contains(text);
        });
    }

    @Test
    @Order(1)
    void bootsAndShowsTheRepositoryRevision() throws IOException {
        long start = System.nanoTime();
        int hubPort = ApplianceVm.freeUdpPort();
        int peerPort = ApplianceVm.freeUdpPort();
        Path tiny = ApplianceVm.tinyGuest(image);
        peer = LanPeer.start(tiny, root.resolve("lan-peer"), peerPort, hubPort);
        // The repository needs the token, which comes in the ESP's celadon/ folder, named by its ESP path.
        appliance = ApplianceVm.boot(image, root.resolve("good"), """
                # written by ApplianceIT
                celadon.git.url=%s
                celadon.git.token-file=/boot/efi/celadon/git-token
                celadon.git.poll-interval=2s
                celadon.hypervisor.accel=tcg
                celadon.appliance.name=appliance-it
                celadon.network.bridges.lab.uplink=eth9
                celadon.passthrough.allowed=%s
                """.formatted(gitHttpUrl(), ApplianceVm.SPARE_PCI), daemon.port(), 768, httpGit.port(), images.port(),
                Map.of("git-token", TOKEN + "\n"), hubPort, peerPort);
        vms.add(appliance);
        status = new StatusClient(appliance::statusUrl);
        await("/status shows the revision").atMost(BOOT).pollInterval(Duration.ofSeconds(1)).ignoreExceptions()
                .untilAsserted(() -> {
                    assertThat(appliance.isAlive()).as("QEMU is running").isTrue();
                    assertThat(status.status().path("source").path("revision").asText()).isEqualTo(repo.head());
                });
        System.out.printf("appliance: QEMU start to /status with the revision: %.1f s%n", (System.nanoTime() - start) / 1e9);
        assertThat(status.status().path("appliance").path("name").asText()).isEqualTo("appliance-it");
        assertThat(appliance.console()).contains("celadon: state on /dev/vda2").doesNotContain("Kernel panic")
                .contains("celadon: 1 files from the ESP's celadon/ folder in /run/celadon/esp-files").doesNotContain(TOKEN);
        assertThat(status.status().toString()).doesNotContain(TOKEN);
        // Written to a disk 768 MiB bigger than the image: slot B takes 256 MiB at the disk's end, and the 32 MiB
        // data partition grows up to it.
        assertThat(appliance.console()).contains("celadon: slot B made on /dev/vda3 (256 MiB)")
                .contains("celadon: version 0.1 from slot A, celadon-0.1.efi");
        Matcher grown = Pattern.compile("celadon: data partition grown to fill the disk: (\\d+) MiB")
                .matcher(appliance.console());
        assertThat(grown.find()).as("the data partition grew").isTrue();
        assertThat(Integer.parseInt(grown.group(1))).isBetween(500, 544);
        assertThat(status.status().path("appliance").path("version").asText()).isEqualTo("0.1");
        assertThat(status.status().path("appliance").path("slot").asText()).isEqualTo("A");
    }

    /**
     * The appliance's NIC is the uplink of the VLAN-aware bridge celadon0, which got the address by DHCP (QEMU's
     * user network); a declared bridge whose uplink does not exist is one line on the console and no uplink.
     */
    @Test
    @Order(2)
    void itsNetworkIsOnTheBridgeAndShownInStatus() {
        assertThat(appliance.console())
                .contains("celadon: network: bridge celadon0, uplink eth0, address on celadon0 by DHCP")
                .contains("celadon: celadon.network.bridges.lab.uplink=eth9: no such network interface (the machine's: eth0);"
                        + " using none");
        await("the lease on celadon0 in status").atMost(BOOT).pollInterval(Duration.ofSeconds(1)).ignoreExceptions()
                .untilAsserted(() -> assertThat(status.status().path("appliance").path("network").path("bridges").get(0)
                        .path("addresses").toString()).containsPattern("10\\.0\\.2\\.\\d+/24"));
        JsonNode network = status.status().path("appliance").path("network");
        assertThat(network.path("addressing").asText()).isEqualTo("dhcp");
        JsonNode main = network.path("bridges").get(0);
        assertThat(main.path("name").asText()).isEqualTo("celadon0");
        assertThat(main.path("present").asBoolean()).isTrue();
        assertThat(main.path("vlanFiltering").asBoolean()).as("VLAN-aware").isTrue();
        assertThat(main.path("uplink").asText()).isEqualTo("eth0");
        JsonNode lab = network.path("bridges").get(1);
        assertThat(lab.path("name").asText()).isEqualTo("lab");
        assertThat(lab.path("present").asBoolean()).isTrue();
        assertThat(lab.path("uplink").isNull()).as("no uplink").isTrue();
        assertThat(appliance.console()).containsPattern("celadon: celadon0 10\\.0\\.2\\.\\d+/24");
    }

    /** The slow tier: the appliance boots a tiny guest of its own, TCG inside TCG, with a NIC on celadon0. */
    @Test
    @Order(3)
    void convergesATinyPartition() {
        repo.write("partitions.d/tiny.yaml", TinyPartition.spec("tiny", " celadon.listen-late=8080:30", """
                cpuLimit: 1
                networks:
                  - {name: lan, bridge: celadon0}
                readiness:
                  tcp: {port: 8080}
                """));
        String revision = repo.commitAndPush("a tiny partition");
        await("tiny Running").atMost(CONVERGE).pollInterval(Duration.ofSeconds(2)).ignoreExceptions()
                .untilAsserted(() -> {
                    assertThat(appliance.isAlive()).as("QEMU is running").isTrue();
                    assertRunning("tiny");
                });
        assertThat(status.partition("tiny").orElseThrow().path("revision").asText()).isEqualTo(revision);
        assertThat(status.status().path("summary").path("running").asInt()).isEqualTo(1);
        // Its QEMU, under its own uid, opened the tap the reconciler made on celadon0 for it.
        JsonNode nic = status.partition("tiny").orElseThrow().path("networks").get(0);
        assertThat(nic.path("bridge").asText()).isEqualTo("celadon0");
        assertThat(nic.path("tap").asText()).startsWith("cd-").hasSize(15);
        // Its own uid, in its own cgroup: the appliance's default isolation, with the limits the kernel took.
        assertThat(status.partition("tiny").orElseThrow().path("worker").path("isolation").asText())
                .matches("user (\\d+):\\1; memory\\.max " + (128 + 512) * MIB + ", pids\\.max 1024, cpu\\.max 100000 100000; private view");
    }

    /**
     * The tiny partition of the test before, untagged on celadon0, and another on VLAN 20 of it. Each gets its lease
     * from its own network's DHCP server (the untagged LAN's is QEMU's user network, VLAN 20's the peer's udhcpd),
     * shown in status; the peer reaches each on its own network only.
     */
    @Test
    @Order(4)
    void partitionsOnTheLanAndOnAVlanGetTheirLeasesAndReachNothingElse() throws IOException {
        repo.write("partitions.d/vlan20.yaml", TinyPartition.spec("vlan20", "", TinyPartition.ON_VLAN));
        long committed = System.nanoTime();
        String revision = repo.commitAndPush("a partition on VLAN 20");
        await("both with a lease in status").atMost(CONVERGE).pollInterval(Duration.ofSeconds(2)).ignoreExceptions()
                .untilAsserted(() -> {
                    assertThat(appliance.isAlive()).as("QEMU is running").isTrue();
                    assertThat(ipv4("tiny")).as(() -> "tiny's lease: " + diagnosis("tiny")).isNotNull();
                    assertThat(ipv4("vlan20")).as(() -> "vlan20's lease: " + diagnosis("vlan20")).isNotNull();
                });
        System.out.printf("appliance: commit to vlan20's DHCP address in status: %.1f s%n", (System.nanoTime() - committed) / 1e9);
        // tiny's readiness is tcp 8080 on its NIC on the bridge, where its guest listens only 30 s after its init: the
        // reconciler connects to the address the agent reports there, and only the guest's own TCP stack answers.
        AtomicBoolean early = new AtomicBoolean();
        await("tiny Ready").atMost(CONVERGE).pollInterval(Duration.ofSeconds(1)).ignoreExceptions().untilAsserted(() -> {
            boolean ready = status.condition("tiny", "Ready").orElseThrow().path("status").asText().equals("True");
            // Read after Ready: a listener that came up in between is no fault.
            early.compareAndSet(false, ready && !partitionConsole("tiny").contains("celadon-tiny: listening on 8080"));
            assertThat(ready).as("tiny's Ready: %s", status.condition("tiny", "Ready")).isTrue();
        });
        assertThat(early).as("Ready before its guest listened on 8080").isFalse();
        JsonNode vlan20 = status.partition("vlan20").orElseThrow();
        assertThat(vlan20.path("revision").asText()).isEqualTo(revision);
        JsonNode nic = vlan20.path("networks").get(0);
        assertThat(nic.path("bridge").asText()).isEqualTo("celadon0");
        assertThat(nic.path("vlan").asInt()).isEqualTo(LanPeer.VLAN);
        assertThat(nic.path("tap").asText()).startsWith("cd-").hasSize(15);
        assertThat(status.partition("tiny").orElseThrow().path("networks").get(0).path("vlan").isNull()).isTrue();

        String untagged = ipv4("tiny");
        String tagged = ipv4("vlan20");
        assertThat(untagged).as("leased by the untagged LAN's server").startsWith("10.0.2.");
        assertThat(tagged).as("leased by VLAN 20's server").matches(VLAN_LEASE);
        assertReaches("tiny", untagged, "eth0");
        assertReaches("vlan20", tagged, LanPeer.VLAN_INTERFACE);
        assertThat(peer.answersPing(untagged, LanPeer.VLAN_INTERFACE, SILENT_FOR)).as("tiny from VLAN 20").isFalse();
        assertThat(peer.answersPing(tagged, "eth0", SILENT_FOR)).as("vlan20 from the untagged LAN").isFalse();
    }

    /** The addresses VLAN 20's server (the peer's udhcpd) leases. */
    private static final String VLAN_LEASE = "192\\.168\\.20\\.1[0-4]\\d|192\\.168\\.20\\.150";

    /** The peer, through its interface {@code via}, gets an answer to a ping from the partition at {@code address}. */
    private void assertReaches(String partition, String address, String via) throws IOException {
        assertThat(peer.answersPing(address, via, ANSWERS_WITHIN))
                .as(() -> partition + " at " + address + " from the peer's " + via + "; " + peer.neighbours()
                        + "; " + diagnosis(partition)).isTrue();
    }

    /**
     * The LAN peer fetches {@value #FETCH_MIB} MiB from vlan20's web server over VLAN 20: through the appliance's
     * uplink, a trunk, and its bridge into the partition. The figure is printed for benchmarks/RESULTS.md; what is
     * asserted is that all of it arrived. Not from tiny on the untagged LAN: QEMU's hub hands each of the peer's
     * frames to the user network as well, whose {@code restrict=on} answers a connection to any address with a
     * reset, sooner than the nested guest answers (tagged frames it ignores).
     */
    @Test
    @Order(5)
    void theLanPeerFetchesFromAPartitionOnAVlan() throws IOException {
        LanPeer.Fetch fetch = peer.fetch("http://" + ipv4("vlan20") + "/cgi-bin/zeros?" + FETCH_MIB, LanPeer.VLAN_INTERFACE);
        assertThat(fetch.bytes()).as("every byte").isEqualTo(FETCH_MIB * MIB);
        printThroughput("LAN peer to a partition on VLAN 20", fetch.seconds());
    }

    private static void printThroughput(String path, double seconds) {
        System.out.printf("appliance: %s: %d MiB in %.2f s, %.1f MiB/s%n", path, FETCH_MIB, seconds, FETCH_MIB / seconds);
    }

    /**
     * The reconciler killed inside the appliance by the kernel's OOM killer (SysRq f from the appliance's keyboard),
     * which takes the reconciler's JVM before any guest: celadon-run starts another, which adopts both workers with
     * their taps, still on their bridge and VLAN, and the peer still reaches each guest.
     */
    @Test
    @Order(6)
    void aReconcilerKilledInsideTheApplianceLeavesTapsAndNetworksAsTheyWere() throws IOException {
        long tiny = status.pid("tiny");
        long vlan20 = status.pid("vlan20");
        String untagged = ipv4("tiny");
        String tagged = ipv4("vlan20");
        JsonNode nics = status.partition("vlan20").orElseThrow().path("networks");
        appliance.sysrq("f");
        awaitConsole(appliance, "celadon: the reconciler exited with status 137");
        // The reconciler runs at oom_score_adj 500, each worker at 0 (appliance/celadon-run): the JVM, not a guest.
        assertThat(appliance.console()).containsPattern("Killed process \\d+ \\(java\\)")
                .doesNotContainPattern("Killed process \\d+ \\(qemu");
        await("the next reconciler adopted both").atMost(BOOT).pollInterval(Duration.ofSeconds(1)).ignoreExceptions()
                .untilAsserted(() -> {
                    assertThat(appliance.isAlive()).as("QEMU is running").isTrue();
                    assertRunning("tiny");
                    assertRunning("vlan20");
                });
        assertThat(status.pid("tiny")).as("the same worker").isEqualTo(tiny);
        assertThat(status.pid("vlan20")).as("the same worker").isEqualTo(vlan20);
        assertThat(status.partition("vlan20").orElseThrow().path("networks").get(0).path("tap"))
                .isEqualTo(nics.get(0).path("tap"));
        assertReaches("tiny", untagged, "eth0");
        assertReaches("vlan20", tagged, LanPeer.VLAN_INTERFACE);
        assertThat(peer.answersPing(tagged, "eth0", SILENT_FOR)).as("vlan20 from the untagged LAN").isFalse();
        // The upgrades need one partition: another guest nested in the appliance would only slow its reboots.
        repo.delete("partitions.d/vlan20.yaml");
        repo.commitAndPush("without vlan20");
        await("vlan20 deleted").atMost(BOOT).pollInterval(Duration.ofSeconds(2)).ignoreExceptions()
                .untilAsserted(() -> assertThat(status.partition("vlan20")).as(() -> diagnosis("vlan20")).isEmpty());
    }

    /**
     * What to look at when a partition is not as expected: its status (phase, NICs, conditions), its own console, the
     * appliance's and the LAN peer's.
     */
    private String diagnosis(String partition) {
        return status.partition(partition).map(JsonNode::toString).orElse("(absent)")
                + "; its console tail: " + tail(partitionConsole(partition))
                + "; appliance console tail: " + tail(appliance.console()) + "; LAN peer console tail: " + tail(peer.console());
    }

    /** The partition is Running; if not, the assertion says why (see {@link #diagnosis}). */
    private void assertRunning(String partition) {
        assertThat(status.phase(partition)).as(() -> partition + ": " + diagnosis(partition)).isEqualTo("Running");
    }

    private String partitionConsole(String partition) {
        try {
            return status.get("/status/partitions/" + partition + "/console?bytes=4096").body();
        } catch (RuntimeException e) {
            return "(console not read: " + e.getMessage() + ")";
        }
    }

    private static String tail(String text) {
        return text.substring(Math.max(0, text.length() - 1500));
    }

    /** The IPv4 address the guest agent reports on the partition's first NIC, or null. */
    private String ipv4(String partition) {
        for (JsonNode address : status.partition(partition).orElseThrow().path("networks").get(0).path("addresses")) {
            String text = address.asText();
            if (text.matches("\\d+\\.\\d+\\.\\d+\\.\\d+(/\\d+)?")) {
                return text.replaceFirst("/.*", "");
            }
        }
        return null;
    }

    /**
     * Issue 18: PCI pass-through to a worker under its own uid. The appliance's spare PCI device, behind its IOMMU
     * and listed in celadon.passthrough.allowed, was given to vfio-pci at boot; a partition that names it runs: its
     * QEMU opened the device's IOMMU group (handed to its uid) in its private view and pinned its guest's memory for
     * the device's DMA (its locked-memory limit raised), or it would have exited at start.
     */
    @Test
    @Order(7)
    void aPciDevicePassesThroughToAnIsolatedWorker() throws IOException {
        assertThat(appliance.console()).contains("celadon: PCI device " + ApplianceVm.SPARE_PCI
                + " given to vfio-pci for pass-through (IOMMU group ");
        repo.write("partitions.d/pci.yaml", TinyPartition.spec("pci", "", """
                devices:
                  - pci: "%s"
                """.formatted(ApplianceVm.SPARE_PCI)));
        repo.commitAndPush("a partition with a PCI device");
        await("pci Running").atMost(BOOT).pollInterval(Duration.ofSeconds(2)).ignoreExceptions().untilAsserted(() -> {
            assertThat(appliance.isAlive()).as("QEMU is running").isTrue();
            assertRunning("pci");
        });
        assertThat(status.partition("pci").orElseThrow().path("worker").path("isolation").asText())
                .matches("user (\\d+):\\1; .*; private view");
        // Done with: its guest would only slow the appliance down.
        repo.delete("partitions.d/pci.yaml");
        repo.commitAndPush("without pci");
        await("pci deleted").atMost(BOOT).pollInterval(Duration.ofSeconds(2)).ignoreExceptions()
                .untilAsserted(() -> assertThat(status.partition("pci")).as(() -> diagnosis("pci")).isEmpty());
    }

    /**
     * Issue 19: an Appliance document in Git names version 0.2-test (`make image` built it from this image), served
     * by a real HTTP server. The appliance fetches it, writes it into slot B with two tries, stops the
     * partitions, reboots, and version 0.2-test boots from slot B, syncs, runs the partitions again and marks
     * itself good.
     */
    @Test
    @Order(8)
    void upgradesToTheVersionAnApplianceDocumentNames() throws Exception {
        repo.write("partitions.d/appliance.yaml", applianceDocument("0.2-test", 2, "10m"));
        repo.commitAndPush("appliance 0.2-test");
        await("version 0.2-test from slot B, marked good, tiny Running").atMost(BOOT.multipliedBy(3))
                .pollInterval(Duration.ofSeconds(2)).ignoreExceptions().untilAsserted(() -> {
                    assertThat(appliance.isAlive()).as("QEMU is running").isTrue();
                    JsonNode node = status.status().path("appliance");
                    assertThat(node.path("version").asText()).isEqualTo("0.2-test");
                    assertThat(node.path("slot").asText()).isEqualTo("B");
                    assertThat(node.path("upgrade").path("state").asText()).isEqualTo("Done");
                    assertRunning("tiny");
                });
        assertThat(status.status().path("appliance").path("upgrade").path("message").asText())
                .isEqualTo("upgraded from 0.1, marked good");
        // systemd-boot counted the first try; the new version renamed its image once it was good.
        assertThat(appliance.console()).contains("celadon: version 0.2-test from slot B, celadon-0.2-test+1-1.efi")
                .contains("celadon: version 0.2-test is on trial (celadon-0.2-test+1-1.efi): it has 600 s to be marked good")
                .contains("version 0.2-test marked good: celadon-0.2-test+1-1.efi in slot B is now celadon-0.2-test.efi")
                .doesNotContain("Kernel panic");
    }

    /**
     * Version 0.3-broken never gets to Git (its command line has a key its reconciler refuses). With one try and
     * a minute to be marked good, the watchdog reboots it, systemd-boot goes back to 0.2-test, which says why
     * 0.3-broken failed and does not try it again while the document stays.
     */
    @Test
    @Order(9)
    void aVersionThatIsNeverMarkedGoodGivesWayToThePreviousOne() throws Exception {
        repo.write("partitions.d/appliance.yaml", applianceDocument("0.3-broken", 1, "1m"));
        repo.commitAndPush("appliance 0.3-broken");
        awaitConsole(appliance, "celadon: version 0.3-broken is on trial (celadon-0.3-broken+0-1.efi)");
        await("back on 0.2-test, 0.3-broken failed").atMost(BOOT.multipliedBy(3)).pollInterval(Duration.ofSeconds(2))
                .ignoreExceptions().untilAsserted(() -> {
                    assertThat(appliance.isAlive()).as("QEMU is running").isTrue();
                    JsonNode node = status.status().path("appliance");
                    assertThat(node.path("version").asText()).isEqualTo("0.2-test");
                    assertThat(node.path("upgrade").path("state").asText()).isEqualTo("Failed");
                    assertRunning("tiny");
                });
        JsonNode upgrade = status.status().path("appliance").path("upgrade");
        assertThat(upgrade.path("version").asText()).isEqualTo("0.3-broken");
        assertThat(upgrade.path("message").asText())
                .startsWith("version 0.3-broken (celadon-0.3-broken+0-1.efi) was not marked good within 60 s: its "
                        + "reconciler never got to Git")
                .endsWith("; not tried again until the Appliance document changes");
        assertThat(status.status().path("appliance").path("slot").asText()).isEqualTo("B");
        // Polls go on against the same document: no second try.
        String console = appliance.console();
        await().pollDelay(Duration.ofSeconds(20)).atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(status.status().path("appliance").path("upgrade").path("state").asText()).isEqualTo("Failed"));
        assertThat(appliance.console().substring(console.length())).doesNotContain("upgrading to version");
        assertThat(count(appliance.console(), "is on trial (celadon-0.3-broken")).isEqualTo(1);
        repo.delete("partitions.d/appliance.yaml");
        repo.commitAndPush("no appliance document");
    }

    /** An Appliance document for this appliance: version VERSION from the test's image server. */
    private String applianceDocument(String version, int tries, String readyTimeout) throws Exception {
        Path uki = image.resolveSibling("celadon-" + version + ".efi");
        assertThat(uki).as("the test version of the boot image; run `make image`").exists();
        Files.copy(uki, www.resolve(uki.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return """
                apiVersion: celadon.dev/v1alpha1
                kind: Appliance
                metadata:
                  name: appliance-it
                spec:
                  version: "%s"
                  image:
                    url: http://%s/%s
                    sha256: %s
                  tries: %d
                  readyTimeout: %s
                """.formatted(version, ApplianceVm.IMAGES_HOST.replace(":80", ""), uki.getFileName(), sha256(uki),
                tries, readyTimeout);
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) {
            n++;
        }
        return n;
    }

    /**
     * A worker that outgrows its cgroup's memory.max is killed by the kernel, and status says so. An appliance
     * whose workers may use only 8 MiB beyond their guest's memory: a TCG QEMU needs some 100 MiB, so the tiny
     * partition's worker, paused and small while it joins its cgroup, is killed once its guest boots.
     */
    @Test
    @Order(10)
    void aWorkerOverItsMemoryLimitIsKilledAndShownAsSuch() throws IOException {
        if (appliance != null) {
            appliance.close(); // done with; it would follow this commit too
        }
        for (String earlier : List.of("partitions.d/tiny.yaml", "partitions.d/vlan20.yaml")) {
            if (Files.exists(repo.workDir().resolve(earlier))) {
                repo.delete(earlier);
            }
        }
        repo.write("partitions.d/hog.yaml", TinyPartition.spec("hog", "", ""));
        repo.commitAndPush("a partition over its limit");
        ApplianceVm vm = boot("hog", """
                celadon.git.url=%s
                celadon.git.poll-interval=2s
                celadon.hypervisor.accel=tcg
                celadon.hypervisor.worker-memory-overhead=8Mi
                """.formatted(gitUrl()));
        StatusClient hog = new StatusClient(vm::statusUrl);
        await("hog killed by its memory limit").atMost(BOOT.plus(CONVERGE)).pollInterval(Duration.ofSeconds(1))
                .ignoreExceptions().untilAsserted(() -> {
                    assertThat(vm.isAlive()).as("QEMU is running").isTrue();
                    JsonNode running = hog.condition("hog", "WorkerRunning").orElseThrow();
                    assertThat(running.path("reason").asText()).isEqualTo("WorkerKilled");
                    assertThat(running.path("message").asText())
                            .contains("killed by its memory limit (cgroup memory.max; memory.events oom ");
                });
        vm.close();
    }

    @Test
    @Order(11)
    void aLineThatIsNotAPropertyIsNamedOnTheConsole() throws IOException {
        ApplianceVm vm = boot("bad-line", """
                celadon.git.url=%s
                git poll every minute
                """.formatted(gitUrl()));
        awaitConsole(vm, "celadon: bad celadon.properties line 2: expected celadon.KEY=VALUE, got 'git poll every minute'");
        awaitConsole(vm, "the reconciler is not started");
        vm.close();
    }

    @Test
    @Order(12)
    void aBadValueIsNamedOnTheConsole() throws IOException {
        ApplianceVm vm = boot("bad-value", """
                celadon.git.url=%s
                celadon.git.poll-interval=often
                """.formatted(gitUrl()));
        awaitConsole(vm, "celadon.git.poll-interval");
        awaitConsole(vm, "celadon: the reconciler exited with status");
        assertThat(vm.console()).doesNotContain("Kernel panic");
        vm.close();
    }

    /** Two builds from the same inputs (this checkout, the tiny guest) give the same bytes, and so does a second version's UKI. */
    @Test
    @Order(13)
    void buildingTwiceGivesTheSameChecksum() throws Exception {
        Path guest = ApplianceVm.tinyGuest(image);
        List<String> sums = new ArrayList<>();
        for (String name : List.of("build-1", "build-2")) {
            Path out = root.resolve(name);
            Files.createDirectories(out);
            Process copy = new ProcessBuilder("cp", "-r", guest.toString(), out.toString()).inheritIO().start();
            assertThat(copy.waitFor()).isZero();
            Process build = new ProcessBuilder("bash", "../image-builder/build-appliance.sh", out.toString())
                    .redirectErrorStream(true).redirectOutput(root.resolve(name + ".log").toFile()).start();
            assertThat(build.waitFor(10, TimeUnit.MINUTES)).as("the build finished").isTrue();
            assertThat(build.exitValue()).as(Files.readString(root.resolve(name + ".log"))).isZero();
            Process derive = new ProcessBuilder("bash", "../image-builder/build-appliance.sh", out.toString(), "--version",
                    "0.2-test").redirectErrorStream(true).redirectOutput(root.resolve(name + "-derive.log").toFile()).start();
            assertThat(derive.waitFor(5, TimeUnit.MINUTES)).as("the second version was built").isTrue();
            assertThat(derive.exitValue()).as(Files.readString(root.resolve(name + "-derive.log"))).isZero();
            sums.add(sha256(out.resolve("appliance/celadon.raw")) + " " + sha256(out.resolve("appliance/celadon.qcow2"))
                    + " " + sha256(out.resolve("appliance/celadon-0.2-test.efi")));
        }
        assertThat(sums.get(1)).isEqualTo(sums.get(0));
    }

    private static String sha256(Path file) throws IOException, NoSuchAlgorithmException {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 20];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
