package dev.celadon.reconciler.loop;

import dev.celadon.reconciler.status.ApplianceNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The appliance's bridges as sysfs shows them: a tree like the kernel's, made here (this kernel has no bridges). */
class NetworkObserverTest {

    private static final Instant T0 = Instant.parse("2026-11-30T12:00:00Z");

    @TempDir
    Path net;

    private void bridge(String name, String vlanFiltering, String... ports) throws IOException {
        Files.createDirectories(net.resolve(name).resolve("bridge"));
        Files.writeString(net.resolve(name).resolve("bridge/vlan_filtering"), vlanFiltering + "\n");
        Files.createDirectories(net.resolve(name).resolve("brif"));
        for (String port : ports) {
            Files.createDirectories(net.resolve(name).resolve("brif").resolve(port));
        }
    }

    private void nic(String name) throws IOException {
        Files.createDirectories(net.resolve(name));
    }

    private void tap(String name) throws IOException {
        Files.createDirectories(net.resolve(name));
        Files.writeString(net.resolve(name).resolve("tun_flags"), "0x1002\n");
    }

    @Test
    void eachBridgeWithItsUplinkNotItsTapsAndTheAppliancesAddresses() throws IOException {
        nic("eth0");
        nic("eth1");
        tap("cd-0a1b2c3d4e5f");
        bridge("celadon0", "1", "cd-0a1b2c3d4e5f", "eth0");
        bridge("isolated", "0", "cd-0a1b2c3d4e5f");

        ApplianceNetwork network = new NetworkObserver(net, List.of("lab", "isolated", "celadon0"), "dhcp",
                name -> name.equals("celadon0") ? List.of("192.168.1.20/24", "fd00::20/64") : List.of()).observe(T0);

        assertThat(network.addressing()).isEqualTo("dhcp");
        assertThat(network.bridges()).containsExactly(
                new ApplianceNetwork.Bridge("celadon0", true, true, "eth0", List.of("192.168.1.20/24", "fd00::20/64")),
                new ApplianceNetwork.Bridge("isolated", true, false, null, List.of()),
                new ApplianceNetwork.Bridge("lab", false, false, null, List.of()));
    }

    @Test
    void aHostWithoutTheBridgeSaysSo() {
        ApplianceNetwork network = new NetworkObserver(net, List.of(), "static", name -> List.of()).observe(T0);
        assertThat(network.bridges()).containsExactly(new ApplianceNetwork.Bridge("celadon0", false, false, null, List.of()));
    }

    @Test
    void readsAtMostEveryInterval() throws IOException {
        AtomicInteger reads = new AtomicInteger();
        bridge("celadon0", "1");
        NetworkObserver observer = new NetworkObserver(net, List.of(), "dhcp", name -> {
            reads.incrementAndGet();
            return List.of();
        });
        observer.observe(T0);
        observer.observe(T0.plus(NetworkObserver.INTERVAL).minusMillis(1));
        assertThat(reads).hasValue(1);
        observer.observe(T0.plus(NetworkObserver.INTERVAL));
        assertThat(reads).hasValue(2);
    }

    @Test
    void theHostsOwnAddressesComeFromTheKernel() {
        assertThat(NetworkObserver.addresses("lo")).contains("127.0.0.1/8").allSatisfy(a -> assertThat(a).contains("/"));
        assertThat(NetworkObserver.addresses("no-such-nic")).isEmpty();
    }
}
