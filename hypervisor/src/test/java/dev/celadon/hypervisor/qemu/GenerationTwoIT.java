package dev.celadon.hypervisor.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.celadon.hypervisor.BootConfig;
import dev.celadon.hypervisor.CloudInit;
import dev.celadon.hypervisor.DiskConfig;
import dev.celadon.hypervisor.Firmware;
import dev.celadon.hypervisor.GuestProfile;
import dev.celadon.hypervisor.IntegrationServices;
import dev.celadon.hypervisor.PartitionName;
import dev.celadon.hypervisor.StopReason;
import dev.celadon.hypervisor.VmConfig;
import dev.celadon.hypervisor.VmState;
import dev.celadon.hypervisor.Worker;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Generation-2 partitions on real QEMU under TCG: the Debian guest ({@code make guest-debian}) boots with Secure
 * Boot through Debian's signed shim and GRUB and says Secure Boot is on; a value it writes to an NV index of its
 * TPM is read back after the partition was stopped and started again (two boots, each shared by its
 * assertions); an unsigned boot loader that plain UEFI runs is refused by the Secure Boot firmware; and the
 * partition's swtpm lives, is adopted and ends with its worker.
 */
class GenerationTwoIT {

    private static final Logger LOG = Logger.getLogger(GenerationTwoIT.class);
    private static final long MIB = 1024 * 1024;
    /** A Debian boot with Secure Boot firmware under TCG on a loaded two-core host. */
    private static final Duration DEBIAN_BOOT = Duration.ofMinutes(12);
    private static final Duration FIRMWARE = Duration.ofMinutes(4);
    /** An owner-defined NV index (TCG's range for the platform owner, 0x01800000 and below is free). */
    /** EFI_GLOBAL_VARIABLE's GUID: {@code SecureBoot} is 4 attribute bytes and 1 value byte. */
    private static final String SECURE_BOOT_VARIABLE = "/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c";
    private static final String NV_INDEX = "0x1500016";
    private static final String TCTI = "TPM2TOOLS_TCTI=device:/dev/tpmrm0";
    private static final Path UNSIGNED_LOADER = Path.of("/usr/lib/systemd/boot/efi/systemd-bootx64.efi");

    @RegisterExtension
    final WorkerLeakCheck leaks = new WorkerLeakCheck();

    @Test
    void theDebianGuestBootsWithSecureBootAndItsTpmKeepsWhatItWroteAcrossARestart() throws Exception {
        Path images = TinyGuest.images();
        assertThat(images.resolve("debian/debian-12.qcow2")).as("the Debian guest; run `make guest-debian`").isRegularFile();
        PartitionName name = new PartitionName("gen2");
        VmConfig config = new VmConfig(name, GuestProfile.ENLIGHTENED, 1, 1024 * MIB, 1024 * MIB,
                new BootConfig.FromDisk(Firmware.UEFI, true),
                List.of(new DiskConfig("root", new DiskConfig.Overlay("debian/debian-12.qcow2", 4096 * MIB))), List.of(), List.of(),
                // Shutdown only: QEMU serves one agent client at a time, and the test's guest-exec is that client.
                new IntegrationServices(false, true, false), Duration.ofSeconds(120),
                Optional.of(CloudInit.of(name, "#cloud-config\n", Optional.empty())), true);
        String value = UUID.randomUUID().toString().replace("-", "");
        try (QemuHypervisor hypervisor = new QemuHypervisor(QemuSettings.defaults(leaks.stateDir().resolve("state"), List.of(images)))) {
            WorkerPaths paths = hypervisor.store().paths(name);
            long t0 = System.nanoTime();
            Worker worker = hypervisor.start(config);
            Path agent = agentSocket(hypervisor, name);
            awaitAgent(agent);
            LOG.infof("timings: Secure Boot + TPM Debian boot to agent %d s", TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0));

            byte[] secureBoot = exec(agent, "/bin/cat", SECURE_BOOT_VARIABLE);
            assertThat(secureBoot).as("the SecureBoot variable the guest's firmware set").hasSize(5);
            assertThat(secureBoot[4]).as("SecureBoot's value").isEqualTo((byte) 1);
            assertThat(sh(agent, "dmesg")).as("the guest's kernel log").contains("secureboot: Secure boot enabled");
            assertThat(console(hypervisor.consoleLog(name))).as("the boot on the serial console")
                    .contains("Welcome to GRUB", "Secure boot enabled");

            sh(agent, TCTI + " tpm2_nvdefine " + NV_INDEX + " -C o -s 32 -a 'ownerread|ownerwrite'");
            sh(agent, "printf %s " + value + " > /run/celadon-nv && " + TCTI + " tpm2_nvwrite " + NV_INDEX + " -C o -i /run/celadon-nv");
            assertThat(readNv(agent)).isEqualTo(value);

            worker.stop(Duration.ofSeconds(120));
            assertThat(worker.status().state()).isEqualTo(VmState.STOPPED);
            assertThat(worker.status().lastStop().orElseThrow().reason()).isEqualTo(StopReason.REQUESTED);
            assertThat(tpmProcesses(leaks.stateDir())).as("swtpm ends with its worker").isEmpty();
            assertThat(Files.getPosixFilePermissions(paths.tpmState().resolve("tpm2-00.permall")))
                    .as("the TPM's state, kept with the disks").isEqualTo(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
            assertThat(Files.getPosixFilePermissions(paths.tpmState())).isEqualTo(Set.of(PosixFilePermission.OWNER_READ,
                    PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE));
            assertThat(paths.secureBootVars()).isRegularFile();
            assertThat(paths.uefiVars()).doesNotExist();

            long t1 = System.nanoTime();
            Worker again = hypervisor.start(config);
            awaitAgent(agentSocket(hypervisor, name));
            LOG.infof("timings: second boot to agent %d s", TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t1));
            assertThat(readNv(agentSocket(hypervisor, name))).as("what the guest wrote before the restart").isEqualTo(value);
            again.stop(Duration.ofSeconds(120));
            assertThat(tpmProcesses(leaks.stateDir())).isEmpty();
        }
    }

    /**
     * systemd-boot as Debian ships it for the host (package systemd-boot-efi) is an unsigned EFI application. Plain
     * UEFI runs it (its menu counts down on the console); the Secure Boot firmware refuses to load it and says so,
     * and nothing of it runs.
     */
    @Test
    void anUnsignedBootLoaderRunsUnderPlainUefiAndIsRefusedWithSecureBoot() throws Exception {
        Path images = leaks.stateDir().resolve("images");
        Files.createDirectories(images.resolve("esp"));
        esp(UNSIGNED_LOADER, images.resolve("esp"));
        try (QemuHypervisor hypervisor = new QemuHypervisor(QemuSettings.defaults(leaks.stateDir().resolve("state"), List.of(images)))) {
            for (boolean secureBoot : List.of(false, true)) {
                VmConfig config = unsignedBoot(secureBoot ? "unsigned-sb" : "unsigned-plain", secureBoot);
                Worker worker = hypervisor.start(config);
                Path console = hypervisor.consoleLog(config.name());
                String expected = secureBoot ? "Access Denied" : "Boot in ";
                await("the console of " + config.name() + " shows '" + expected + "'").atMost(FIRMWARE)
                        .pollInterval(Duration.ofSeconds(1)).until(() -> Files.exists(console) && console(console).contains(expected));
                if (secureBoot) {
                    assertThat(console(console)).contains("BdsDxe: failed to load Boot0001").doesNotContain("Boot in ");
                }
                worker.stop(Duration.ofSeconds(1));
            }
        }
    }

    private static VmConfig unsignedBoot(String name, boolean secureBoot) {
        return new VmConfig(new PartitionName(name), GuestProfile.ENLIGHTENED, 1, 256 * MIB, 256 * MIB,
                new BootConfig.FromDisk(Firmware.UEFI, secureBoot),
                List.of(new DiskConfig("esp", new DiskConfig.Overlay("esp/esp.qcow2", 0))), List.of(), List.of(),
                IntegrationServices.NONE, Duration.ofSeconds(5));
    }

    /**
     * The partition's swtpm: started with its worker, adopted with it by a later hypervisor (the same process), and
     * when it dies under a running worker, the worker is stopped as crashed; a stop ends it; deletion keeps its
     * state with Retain and removes it with Delete.
     */
    @Test
    void theTpmIsAdoptedWithItsWorkerAndItsDeathIsACrash() throws Exception {
        Path images = TinyGuest.images();
        PartitionName name = new PartitionName("tpm-tiny");
        VmConfig config = KernelOnlyConfig.of(name).withTpm(true);
        Path state = leaks.stateDir().resolve("state");
        long swtpm;
        long qemu;
        try (QemuHypervisor hypervisor = new QemuHypervisor(QemuSettings.defaults(state, List.of(images)))) {
            Worker worker = hypervisor.start(config);
            qemu = worker.status().pid().orElseThrow();
            assertThat(tpmProcesses(leaks.stateDir())).hasSize(1);
            swtpm = tpmProcesses(leaks.stateDir()).getFirst();
            assertThat(commandLine(qemu)).contains("tpm-crb,tpmdev=tpm0,id=tpm-crb0");
            assertThat(Files.getPosixFilePermissions(new WorkerPaths.RunPaths(Path.of(hypervisor.store().read(name).orElseThrow().runDir()))
                    .tpmSocket())).isEqualTo(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
        }
        try (QemuHypervisor later = new QemuHypervisor(QemuSettings.defaults(state, List.of(images)))) {
            Worker adopted = later.worker(name).orElseThrow();
            assertThat(adopted.status().state()).isEqualTo(VmState.RUNNING);
            assertThat(adopted.status().pid()).hasValue(qemu);
            assertThat(tpmProcesses(leaks.stateDir())).as("the same swtpm, untouched").containsExactly(swtpm);

            ProcessHandle.of(swtpm).orElseThrow().destroyForcibly();
            await("the worker stopped as crashed").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                    .until(() -> adopted.status().state() == VmState.CRASHED);
            assertThat(adopted.status().lastStop().orElseThrow().detail()).contains("its TPM (swtpm " + swtpm + ") exited");
            assertThat(ProcessHandle.of(qemu).filter(ProcessHandle::isAlive)).isEmpty();

            Worker restarted = later.start(config);
            assertThat(tpmProcesses(leaks.stateDir())).hasSize(1).doesNotContain(swtpm);
            restarted.stop(Duration.ofSeconds(5));
            assertThat(tpmProcesses(leaks.stateDir())).isEmpty();

            WorkerPaths paths = later.store().paths(name);
            later.delete(name, false);
            assertThat(paths.tpmState()).as("Retain keeps the TPM with the disks").isDirectory();
            later.delete(name, true);
            assertThat(paths.tpmState()).as("Delete removes it").doesNotExist();
        }
    }

    // ---- helpers -------------------------------------------------------------------------------------

    /** The guest's agent answers a guest-exec; an attempt that hangs is cut off (closing its connection) and retried. */
    private static void awaitAgent(Path agent) {
        await("the agent at " + agent).atMost(DEBIAN_BOOT).pollInterval(Duration.ofSeconds(5)).until(() -> {
            try {
                assertTimeoutPreemptively(Duration.ofSeconds(30), () -> AgentExec.run(agent, "/bin/true"));
                return true;
            } catch (Exception | AssertionError e) {
                return false;
            }
        });
    }

    /** The console log as text; firmware and boot menus write bytes that are no UTF-8. */
    private static String console(Path log) throws java.io.IOException {
        return new String(Files.readAllBytes(log), StandardCharsets.ISO_8859_1);
    }

    private static Path agentSocket(QemuHypervisor hypervisor, PartitionName name) throws Exception {
        return new WorkerPaths.RunPaths(Path.of(hypervisor.store().read(name).orElseThrow().runDir())).agentSocket();
    }

    private static byte[] exec(Path agent, String path, String... args) {
        return assertTimeoutPreemptively(Duration.ofSeconds(120), () -> AgentExec.run(agent, path, args));
    }

    private static String sh(Path agent, String command) {
        return new String(exec(agent, "/bin/sh", "-c", command), StandardCharsets.UTF_8);
    }

    private static String readNv(Path agent) {
        return sh(agent, TCTI + " tpm2_nvread " + NV_INDEX + " -C o -s 32");
    }

    /** The swtpm processes whose command line names something under the test's folder. */
    private static List<Long> tpmProcesses(Path dir) {
        return ProcessHandle.allProcesses().filter(p -> p.info().command().filter(c -> c.endsWith("/swtpm")).isPresent())
                .filter(p -> commandLine(p.pid()).contains(dir.toString())).map(ProcessHandle::pid).toList();
    }

    private static String commandLine(long pid) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")), StandardCharsets.UTF_8).replace('\0', ' ');
        } catch (java.io.IOException e) {
            return "";
        }
    }

    /**
     * A GPT disk with an EFI system partition whose removable-media boot path {@code EFI/BOOT/BOOTX64.EFI} is
     * {@code loader}, checked to carry no Authenticode signature (its PE certificate table is empty).
     */
    private static void esp(Path loader, Path dir) throws Exception {
        ByteBuffer pe = ByteBuffer.wrap(Files.readAllBytes(loader)).order(ByteOrder.LITTLE_ENDIAN);
        int header = pe.getInt(0x3c);
        assertThat(pe.getShort(header + 24)).as("a PE32+ image").isEqualTo((short) 0x20b);
        assertThat(pe.getLong(header + 24 + 144)).as("the certificate table of %s", loader).isZero();
        Path fat = dir.resolve("fat.raw");
        run("mkfs.vfat", "-C", fat.toString(), "32768");
        run("mmd", "-i", fat.toString(), "::EFI", "::EFI/BOOT");
        run("mcopy", "-i", fat.toString(), loader.toString(), "::EFI/BOOT/BOOTX64.EFI");
        Path disk = dir.resolve("disk.raw");
        try (FileChannel file = FileChannel.open(disk, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            file.write(ByteBuffer.wrap(new byte[1]), 40 * MIB - 1);
            file.write(ByteBuffer.wrap(Files.readAllBytes(fat)), MIB);
        }
        run("sgdisk", "-o", "-n", "1:2048:+32M", "-t", "1:EF00", disk.toString());
        run("qemu-img", "convert", "-f", "raw", "-O", "qcow2", disk.toString(), dir.resolve("esp.qcow2").toString());
    }

    private static void run(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor()).as("%s: %s", String.join(" ", command), output).isZero();
    }
}
