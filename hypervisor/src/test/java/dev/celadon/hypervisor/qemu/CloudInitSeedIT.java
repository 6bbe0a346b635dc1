package dev.celadon.hypervisor.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.celadon.hypervisor.BootConfig;
import dev.celadon.hypervisor.CloudInit;
import dev.celadon.hypervisor.GuestProfile;
import dev.celadon.hypervisor.IntegrationServices;
import dev.celadon.hypervisor.PartitionName;
import dev.celadon.hypervisor.VmConfig;
import dev.celadon.hypervisor.VmState;
import dev.celadon.hypervisor.Worker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A partition with a cloud-init seed on real QEMU: the seed file in the worker's folder is exactly the seed
 * of its config, QEMU accepted the drive for each kind of guest, and holds the file open read-only, so no
 * guest can change what its next boot reads; the guest mounts the seed from the device each profile gets (the
 * legacy profile's IDE CD-ROM too) and sees a read-only disk holding exactly the seed.
 * (Whether cloud-init acts on it is the Debian guest's test.)
 */
class CloudInitSeedIT {

    private static final long MIB = 1024 * 1024;
    private static final int O_ACCMODE = 3;
    private static final Duration BOOT = Duration.ofSeconds(180);

    @RegisterExtension
    final WorkerLeakCheck leaks = new WorkerLeakCheck();

    private static Path images;

    @BeforeAll
    static void tinyGuestIsBuilt() {
        images = TinyGuest.images();
    }

    private static VmConfig seeded(String name, GuestProfile profile, String userData) {
        return seeded(name, profile, userData, IntegrationServices.NONE);
    }

    private static VmConfig seeded(String name, GuestProfile profile, String userData, IntegrationServices integration) {
        PartitionName partition = new PartitionName(name);
        return new VmConfig(partition, profile, 1, 128 * MIB, 128 * MIB,
                new BootConfig.Kernel("tiny/vmlinuz", Optional.of("tiny/initrd.img"), "console=ttyS0 cryptomgr.notests celadon.hostname=" + name),
                List.of(), List.of(), List.of(), integration, Duration.ofSeconds(5),
                Optional.of(CloudInit.of(partition, userData, Optional.of("version: 2\n"))));
    }

    @Test
    void theSeedIsWrittenAndAttachedReadOnlyForEveryProfile() throws Exception {
        try (QemuHypervisor hypervisor = new QemuHypervisor(QemuSettings.defaults(leaks.stateDir().resolve("state"), List.of(images)))) {
            for (GuestProfile profile : List.of(GuestProfile.ENLIGHTENED, GuestProfile.LEGACY)) {
                VmConfig config = seeded("seed-" + profile.name().toLowerCase(), profile, "#cloud-config\nhostname: x\n");
                Worker worker = hypervisor.start(config);
                assertThat(worker.status().state()).isEqualTo(VmState.RUNNING);
                long pid = worker.status().pid().orElseThrow();
                Path seed = hypervisor.store().paths(config.name()).seed();

                assertThat(Files.readAllBytes(seed)).isEqualTo(SeedImage.build(config.cloudInit().orElseThrow()));
                assertThat(openFlags(pid, seed)).as("QEMU (%s) holds %s open", profile, seed).isNotEmpty()
                        .allSatisfy(flags -> assertThat(flags & O_ACCMODE).as("access mode of %s", seed).isZero());
                assertThat(cmdline(pid)).contains((profile == GuestProfile.LEGACY ? "ide-cd" : "virtio-blk-pci")
                        + (profile == GuestProfile.LEGACY ? ",bus=ide.1,unit=1" : "") + ",drive=drive_cidata,id=disk_cidata");
                // The guest mounts the seed as cloud-init would (vfat, label CIDATA) from the device it got.
                String device = profile == GuestProfile.LEGACY ? "sr0" : "vda";
                String firstLine = config.cloudInit().orElseThrow().metaData().lines().findFirst().orElseThrow();
                Path console = hypervisor.consoleLog(config.name());
                await("the %s guest mounts its seed".formatted(profile)).atMost(BOOT).pollInterval(Duration.ofSeconds(1))
                        .until(() -> Files.exists(console) && Files.readString(console).lines()
                                .anyMatch(line -> line.contains("celadon-tiny: seed on ")));
                assertThat(Files.readString(console).lines().filter(line -> line.contains("celadon-tiny: seed on ")))
                        .singleElement().asString().endsWith("celadon-tiny: seed on " + device + ": " + firstLine);

                worker.stop(Duration.ofSeconds(5));
                assertThat(worker.status().state()).isEqualTo(VmState.STOPPED);
            }
        }
    }

    @Test
    void aRestartWithOtherContentWritesTheNewSeed() throws Exception {
        try (QemuHypervisor hypervisor = new QemuHypervisor(QemuSettings.defaults(leaks.stateDir().resolve("state"), List.of(images)))) {
            VmConfig first = seeded("seed-again", GuestProfile.ENLIGHTENED, "#cloud-config\npackages: [a]\n");
            Worker worker = hypervisor.start(first);
            Path seed = hypervisor.store().paths(first.name()).seed();
            byte[] firstSeed = Files.readAllBytes(seed);
            worker.stop(Duration.ofSeconds(5));

            VmConfig second = seeded("seed-again", GuestProfile.ENLIGHTENED, "#cloud-config\npackages: [b]\n");
            Worker again = hypervisor.start(second);
            assertThat(Files.readAllBytes(seed)).isNotEqualTo(firstSeed).isEqualTo(SeedImage.build(second.cloudInit().orElseThrow()));
            assertThat(openFlags(again.status().pid().orElseThrow(), seed)).isNotEmpty();
            again.stop(Duration.ofSeconds(5));

            // Without cloud-init the seed goes: nothing stale is left for a later launch.
            Worker plain = hypervisor.start(second.withCloudInit(Optional.empty()));
            assertThat(seed).doesNotExist();
            assertThat(cmdline(plain.status().pid().orElseThrow())).doesNotContain("cidata");
            plain.stop(Duration.ofSeconds(5));
        }
    }

    /**
     * The guest's own view, asked through its agent ({@code guest-exec}): the tiny guest's kernel has the seed
     * as a read-only virtio disk whose bytes are the seed, so its file system (checked by real tools in
     * SeedImageTest: vfat, label CIDATA) is what cloud-init would find.
     */
    @Test
    void theGuestReadsTheSeedFromAReadOnlyDisk() throws Exception {
        try (QemuHypervisor hypervisor = new QemuHypervisor(QemuSettings.defaults(leaks.stateDir().resolve("state"), List.of(images)))) {
            VmConfig config = seeded("seed-guest", GuestProfile.ENLIGHTENED, "#cloud-config\n", IntegrationServices.ALL);
            Worker worker = hypervisor.start(config);
            Path console = hypervisor.consoleLog(config.name());
            await("the tiny guest is ready").atMost(BOOT).pollInterval(Duration.ofSeconds(1))
                    .until(() -> Files.exists(console) && Files.readString(console).contains("celadon-tiny: ready"));
            Path agent = new WorkerPaths.RunPaths(Path.of(hypervisor.store().read(config.name()).orElseThrow().runDir())).agentSocket();

            byte[] readOnly = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> AgentExec.run(agent, "/bin/cat", "/sys/block/vda/ro"));
            byte[] disk = assertTimeoutPreemptively(Duration.ofSeconds(120), () -> AgentExec.run(agent, "/bin/cat", "/dev/vda"));

            assertThat(new String(readOnly, StandardCharsets.UTF_8).strip()).as("the guest kernel's read-only flag of vda").isEqualTo("1");
            assertThat(disk).as("what the guest reads from vda").isEqualTo(SeedImage.build(config.cloudInit().orElseThrow()));
            worker.stop(Duration.ofSeconds(5));
        }
    }

    /** The {@code flags} of every descriptor of process {@code pid} open on {@code file}, from /proc. */
    private static List<Integer> openFlags(long pid, Path file) throws IOException {
        Path fds = Path.of("/proc/" + pid + "/fd");
        try (Stream<Path> entries = Files.list(fds)) {
            return entries.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).equals(file);
                } catch (IOException gone) {
                    return false;
                }
            }).map(fd -> {
                try {
                    String info = Files.readString(Path.of("/proc/" + pid + "/fdinfo/" + fd.getFileName()));
                    String flags = info.lines().filter(l -> l.startsWith("flags:")).findFirst().orElseThrow();
                    return Integer.parseInt(flags.substring("flags:".length()).strip(), 8);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).toList();
        }
    }

    private static String cmdline(long pid) throws IOException {
        return new String(Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline")), StandardCharsets.UTF_8).replace('\0', ' ');
    }
}
