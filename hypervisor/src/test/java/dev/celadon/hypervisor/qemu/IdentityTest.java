package dev.celadon.hypervisor.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.celadon.hypervisor.PartitionName;
import java.util.HexFormat;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class IdentityTest {

    private static final PartitionName WEB = new PartitionName("web-01");

    @Test
    void macIsStableLocallyAdministeredUnicast() {
        String mac = Identity.mac(WEB, "lan");
        assertThat(mac).matches("([0-9a-f]{2}:){5}[0-9a-f]{2}").isEqualTo(Identity.mac(new PartitionName("web-01"), "lan"));
        int first = HexFormat.fromHexDigits(mac.substring(0, 2));
        assertThat(first & 0x02).as("locally administered").isEqualTo(0x02);
        assertThat(first & 0x01).as("unicast").isZero();
    }

    @Test
    void macDiffersPerPartitionAndNetwork() {
        assertThat(Identity.mac(WEB, "lan")).isNotEqualTo(Identity.mac(WEB, "mgmt"))
                .isNotEqualTo(Identity.mac(new PartitionName("web-02"), "lan"));
    }

    @Test
    void uuidIsNameBasedVersion5() {
        UUID uuid = Identity.smbiosUuid(WEB);
        assertThat(uuid.version()).isEqualTo(5);
        assertThat(uuid.variant()).isEqualTo(2);
        assertThat(uuid).isEqualTo(Identity.smbiosUuid(new PartitionName("web-01"))).isNotEqualTo(Identity.smbiosUuid(new PartitionName("web-02")));
    }

    @Test
    void uuid5MatchesRfc4122Example() {
        // Python: uuid.uuid5(uuid.NAMESPACE_DNS, "python.org") == 886313e1-3b8a-5372-9b90-0c9aee199e5d
        assertThat(Identity.uuid5(UUID.fromString("6ba7b810-9dad-11d1-80b4-00c04fd430c8"), "python.org"))
                .isEqualTo(UUID.fromString("886313e1-3b8a-5372-9b90-0c9aee199e5d"));
    }
}
