package dev.celadon.hypervisor.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.celadon.hypervisor.CloudInit;
import dev.celadon.hypervisor.PartitionName;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seed image read back by the tools a guest's file system code is judged by: {@code fsck.vfat}
 * (dosfstools), mtools (which read VFAT long names as Linux does) and {@code blkid} (what cloud-init's
 * ds-identify asks for the label).
 */
class SeedImageTest {

    private static final PartitionName NAME = new PartitionName("web-01");
    private static final String USER_DATA = """
            #cloud-config
            users:
              - name: ops
                ssh_authorized_keys: [ "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample ops@example" ]
            runcmd:
              - [ sh, -c, "echo héllo > /var/tmp/celadon" ]
            """;
    private static final String NETWORK = """
            version: 2
            ethernets:
              all: { match: { name: "e*" }, dhcp4: true }
            """;

    @TempDir
    Path dir;

    @Test
    void sameSeedSameBytesOtherSeedOtherBytes() throws Exception {
        CloudInit seed = CloudInit.of(NAME, USER_DATA, Optional.of(NETWORK));
        String first = sha256(SeedImage.build(seed));
        assertThat(sha256(SeedImage.build(CloudInit.of(NAME, USER_DATA, Optional.of(NETWORK))))).isEqualTo(first);
        assertThat(sha256(SeedImage.build(CloudInit.of(NAME, USER_DATA + "\n", Optional.of(NETWORK))))).isNotEqualTo(first);
        assertThat(sha256(SeedImage.build(CloudInit.of(NAME, USER_DATA, Optional.empty())))).isNotEqualTo(first);
        assertThat(sha256(SeedImage.build(CloudInit.of(new PartitionName("web-02"), USER_DATA, Optional.of(NETWORK)))))
                .isNotEqualTo(first);
    }

    @Test
    void metaDataNamesTheInstanceAfterThePartitionAndTheContent() {
        CloudInit seed = CloudInit.of(NAME, USER_DATA, Optional.of(NETWORK));
        assertThat(seed.metaData()).matches("instance-id: \"web-01-[0-9a-f]{12}\"\nlocal-hostname: \"web-01\"\n");
        assertThat(CloudInit.of(NAME, USER_DATA, Optional.of(NETWORK))).isEqualTo(seed);
        assertThat(CloudInit.of(NAME, USER_DATA + " ", Optional.of(NETWORK)).metaData()).isNotEqualTo(seed.metaData());
        assertThat(CloudInit.of(NAME, USER_DATA, Optional.of("")).metaData())
                .as("an empty network-config is not the same as none").isNotEqualTo(CloudInit.of(NAME, USER_DATA, Optional.empty()).metaData());
    }

    @Test
    void isAValidFatThatRealToolsReadBack() throws Exception {
        CloudInit seed = CloudInit.of(NAME, USER_DATA, Optional.of(NETWORK));
        Path image = write(seed);
        String fsck = run("fsck.vfat", "-n", image.toString());
        // fsck.fat counts the volume label's entry as a file; it prints nothing else for a sound file system.
        assertThat(fsck.lines().toList()).hasSize(2);
        assertThat(fsck).contains("4 files, 3/508 clusters");
        assertThat(run("blkid", "-o", "value", "-s", "LABEL", image.toString()).strip()).isEqualTo("CIDATA");
        assertThat(run("blkid", "-o", "value", "-s", "TYPE", image.toString()).strip()).isEqualTo("vfat");
        String listing = run("mdir", "-i", image.toString(), "-b", "::");
        assertThat(listing.lines().toList()).containsExactly("::/user-data", "::/meta-data", "::/network-config");
        assertThat(mtype(image, "user-data")).isEqualTo(USER_DATA.getBytes(StandardCharsets.UTF_8));
        assertThat(mtype(image, "meta-data")).isEqualTo(seed.metaData().getBytes(StandardCharsets.UTF_8));
        assertThat(mtype(image, "network-config")).isEqualTo(NETWORK.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void withoutNetworkConfigAndWithEmptyUserData() throws Exception {
        Path image = write(CloudInit.of(NAME, "", Optional.empty()));
        assertThat(run("fsck.vfat", "-n", image.toString())).contains("3 files, 1/508 clusters");
        assertThat(run("mdir", "-i", image.toString(), "-b", "::").lines().toList()).containsExactly("::/user-data", "::/meta-data");
        assertThat(mtype(image, "user-data")).isEmpty();
    }

    @Test
    void theLargestSeedASpecMayHaveFits() throws Exception {
        // The spec's limits (reconciler InputLimits): 64 KiB of user-data, 16 KiB of network config, in UTF-8.
        String userData = "#cloud-config\n# " + "é".repeat((64 * 1024 - 20) / 2) + "\n";
        String network = "version: 2\n# " + "x".repeat(16 * 1024 - 20) + "\n";
        CloudInit seed = CloudInit.of(NAME, userData, Optional.of(network));
        Path image = write(seed);
        assertThat(run("fsck.vfat", "-n", image.toString()).lines().toList()).hasSize(2);
        assertThat(mtype(image, "user-data")).isEqualTo(userData.getBytes(StandardCharsets.UTF_8));
        assertThat(mtype(image, "network-config")).isEqualTo(network.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void theLargestSeedTheRulesAllowFits() throws Exception {
        // Each file rounds up to whole clusters: the worst case for MAX_BYTES is three files of odd sizes.
        String userData = "u".repeat(CloudInit.MAX_BYTES - 2 * 1024);
        CloudInit seed = CloudInit.of(NAME, userData.substring(0, userData.length() - 100), Optional.of("n".repeat(1024)));
        assertThat(seed.bytes()).isLessThanOrEqualTo(CloudInit.MAX_BYTES);
        Path image = write(seed);
        assertThat(mtype(image, "user-data")).hasSize(seed.userData().length());
        assertThat(CloudInit.MAX_BYTES + 3 * SeedImage.SECTOR).isLessThan(SeedImage.CAPACITY);
    }

    @Test
    void moreThanTheImageHoldsIsRefused() {
        String tooMuch = "x".repeat(SeedImage.CAPACITY);
        assertThatThrownBy(() -> SeedImage.build(CloudInit.of(NAME, tooMuch, Optional.empty())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("the seed holds");
    }

    private Path write(CloudInit seed) throws Exception {
        Path image = dir.resolve("cidata.img");
        Files.write(image, SeedImage.build(seed));
        return image;
    }

    private static byte[] mtype(Path image, String file) throws Exception {
        Process p = new ProcessBuilder(List.of("mtype", "-i", image.toString(), "::" + file))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor()).as("mtype %s", file).isZero();
        return out;
    }

    private static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("%s: %s", String.join(" ", command), out).isZero();
        return out;
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
