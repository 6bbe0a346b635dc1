package dev.celadon.reconciler.upgrade;

import dev.celadon.hypervisor.Accel;
import dev.celadon.hypervisor.GuestInfo;
import dev.celadon.hypervisor.PartitionName;
import dev.celadon.hypervisor.VmState;
import dev.celadon.hypervisor.WorkerStatus;
import dev.celadon.reconciler.images.ImageRequest;
import dev.celadon.reconciler.images.ImageState;
import dev.celadon.reconciler.plan.Specs;
import dev.celadon.reconciler.spec.ApplianceSelection;
import dev.celadon.reconciler.spec.ApplianceSpec;
import dev.celadon.reconciler.spec.MaintenanceWindow;
import dev.celadon.reconciler.spec.SourceLocation;
import dev.celadon.reconciler.upgrade.BootSlots.Slot;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The upgrade's steps, pass by pass, with slots in memory (the real ones: {@link MtoolsSlotsTest}, and the appliance
 * test, which upgrades and falls back for real). A fake never kinder than mtools: a missing file fails as it does.
 */
class ApplianceUpgradesTest {

    private static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");
    private static final String SHA = "a".repeat(64);
    private static final Duration DRAIN = Duration.ofSeconds(90);
    private static final PartitionName WEB = new PartitionName("web");

    @TempDir
    Path dir;
    private final MemorySlots slots = new MemorySlots();
    private int reboots;
    private final Map<String, Path> cached = new HashMap<>();
    private final ApplianceUpgrades.Images images = new ApplianceUpgrades.Images() {
        @Override
        public Optional<Path> cached(String sha256) {
            return Optional.ofNullable(cached.get(sha256));
        }

        @Override
        public ImageState state(String sha256) {
            return new ImageState.Downloading(10, 100, 5);
        }
    };

    @BeforeEach
    void slotsOfAFreshAppliance() {
        slots.files.get(Slot.A).add("celadon-0.1.efi");
    }

    @Test
    void offTheApplianceADocumentIsShownAsImpossible() {
        ApplianceUpgrades upgrades = new ApplianceUpgrades(ApplianceUpgrades.Setup.none(dir.resolve("upgrade")), images);

        assertThat(pass(upgrades, doc("0.2"), Map.of()).status().message()).startsWith("not the appliance");
        assertThat(pass(upgrades, new ApplianceSelection.None(), Map.of()).status()).isNull();
    }

    @Test
    void aDocumentNamingTheRunningVersionAsksNothing() {
        ApplianceUpgrades.Pass pass = pass(upgrades(boot("0.1", "A", "celadon-0.1.efi"), "boot-1"), doc("0.1"), Map.of());

        assertThat(pass).isEqualTo(new ApplianceUpgrades.Pass(Map.of(), false, null));
    }

    @Test
    void aNewVersionIsFetchedAsAnEfiImage() {
        ApplianceUpgrades.Pass pass = pass(upgrades(boot("0.1", "A", "celadon-0.1.efi"), "boot-1"), doc("0.2"), Map.of());

        assertThat(pass.images()).isEqualTo(Map.of(SHA, new ImageRequest("http://images/celadon-0.2.efi",
                ImageRequest.Content.EFI)));
        assertThat(pass.drain()).isFalse();
        assertThat(pass.status()).isEqualTo(new UpgradeStatus("0.2", "Downloading", "10 of 100 bytes (10%)", NOW));
    }

    @Test
    void aFetchedImageIsWrittenToSlotBThenThePartitionsStopThenTheApplianceReboots() throws Exception {
        cached.put(SHA, TestUkis.build(dir, "new.efi", TestUkis.osRelease("0.2"), List.of("osrel", "cmdline", "linux", "initrd")));
        ApplianceUpgrades upgrades = upgrades(boot("0.1", "A", "celadon-0.1.efi"), "boot-1");

        ApplianceUpgrades.Pass first = pass(upgrades, doc("0.2"), Map.of(WEB, worker(VmState.RUNNING)));

        assertThat(slots.files.get(Slot.B)).containsExactly("celadon-0.2+3.efi");
        assertThat(first.drain()).isTrue();
        assertThat(first.status().state()).isEqualTo("Rebooting");
        assertThat(first.status().message()).isEqualTo("stopping partitions before the reboot: web");
        UpgradeRecord record = UpgradeRecord.read(dir.resolve("upgrade")).orElseThrow();
        assertThat(record.phase()).isEqualTo(UpgradeRecord.Phase.TRYING);
        assertThat(record.partitions()).containsExactly("web");
        assertThat(record.from()).isEqualTo("0.1");
        assertThat(record.readyTimeoutSeconds()).isEqualTo(600);

        assertThat(pass(upgrades, doc("0.2"), Map.of(WEB, worker(VmState.STOPPING))).drain()).isTrue();
        assertThat(reboots).as("not while a partition still stops").isZero();
        ApplianceUpgrades.Pass stopped = pass(upgrades, doc("0.2"), Map.of(WEB, worker(VmState.STOPPED)));
        pass(upgrades, doc("0.2"), Map.of(WEB, worker(VmState.STOPPED)));

        assertThat(reboots).isEqualTo(1);
        assertThat(stopped.status().message()).isEqualTo("rebooting into it (from 0.1)");
    }

    @Test
    void aPartitionThatDoesNotStopInTimeDoesNotHoldTheRebootForever() throws Exception {
        cached.put(SHA, TestUkis.build(dir, "new.efi", TestUkis.osRelease("0.2"), List.of("osrel", "cmdline", "linux", "initrd")));
        ApplianceUpgrades upgrades = upgrades(boot("0.1", "A", "celadon-0.1.efi"), "boot-1");
        pass(upgrades, doc("0.2"), Map.of(WEB, worker(VmState.RUNNING)));
        pass(upgrades, doc("0.2"), Map.of(WEB, worker(VmState.STOPPING)));

        upgrades.pass(doc("0.2"), true, Set.of(WEB), Map.of(WEB, worker(VmState.STOPPING)), DRAIN, NOW.plus(DRAIN));

        assertThat(reboots).isEqualTo(1);
    }

    @Test
    void aRebootThatNeverComesFailsTheUpgradeAndThePartitionsStartAgain() throws Exception {
        cached.put(SHA, TestUkis.build(dir, "new.efi", TestUkis.osRelease("0.2"), List.of("osrel", "cmdline", "linux", "initrd")));
        ApplianceUpgrades upgrades = upgrades(boot("0.1", "A", "celadon-0.1.efi"), "boot-1");
        pass(upgrades, doc("0.2"), Map.of(WEB, worker(VmState.RUNNING)));
        pass(upgrades, doc("0.2"), Map.of(WEB, worker(VmState.STOPPED)));
        assertThat(reboots).isEqualTo(1);
        Instant limit = NOW.plus(ApplianceUpgrades.REBOOT_LIMIT);

        ApplianceUpgrades.Pass waiting = upgrades.pass(doc("0.2"), true, Set.of(WEB), Map.of(WEB, worker(VmState.STOPPED)),
                DRAIN, limit.minusSeconds(1));
        assertThat(waiting.drain()).isTrue();
        assertThat(waiting.status().message()).isEqualTo("rebooting into it (from 0.1)");

        ApplianceUpgrades.Pass failed = upgrades.pass(doc("0.2"), true, Set.of(WEB), Map.of(WEB, worker(VmState.STOPPED)),
                DRAIN, limit);
        assertThat(failed.drain()).as("the partitions start again").isFalse();
        assertThat(failed.status()).isEqualTo(new UpgradeStatus("0.2", "Failed", "PID 1 was asked to reboot into version 0.2"
                + " at " + NOW + " and did not reboot within 300 s; not tried again until the Appliance document changes", limit));
        assertThat(slots.files.get(Slot.B)).as("nothing left to boot unasked").isEmpty();
        assertThat(UpgradeRecord.read(dir.resolve("upgrade")).orElseThrow().phase()).isEqualTo(UpgradeRecord.Phase.FAILED);

        ApplianceUpgrades.Pass later = upgrades.pass(doc("0.2"), true, Set.of(WEB), Map.of(WEB, worker(VmState.RUNNING)),
                DRAIN, limit.plusSeconds(60));
        assertThat(later.drain()).isFalse();
        assertThat(later.status().state()).isEqualTo("Failed");
        assertThat(slots.files.get(Slot.B)).as("not written again").isEmpty();
        assertThat(reboots).as("asked once").isEqualTo(1);
    }

    @Test
    void anImageThatIsNotThisVersionsIsRefusedOnceAndNeverWritten() throws Exception {
        cached.put(SHA, TestUkis.build(dir, "other.efi", TestUkis.osRelease("0.9"), List.of("osrel", "cmdline", "linux", "initrd")));
        ApplianceUpgrades upgrades = upgrades(boot("0.1", "A", "celadon-0.1.efi"), "boot-1");

        ApplianceUpgrades.Pass pass = pass(upgrades, doc("0.2"), Map.of());

        assertThat(pass.status().state()).isEqualTo("Failed");
        assertThat(pass.status().message()).isEqualTo("the image is version 0.9 (its os-release VERSION_ID), the document says 0.2");
        assertThat(pass.drain()).isFalse();
        assertThat(slots.files.get(Slot.B)).isEmpty();
        Files.writeString(cached.get(SHA), "not even a PE file");
        assertThat(pass(upgrades, doc("0.2"), Map.of()).status()).as("not checked again").isEqualTo(pass.status());
    }

    @Test
    void aFileThatIsNoBootImageIsRefused() throws Exception {
        cached.put(SHA, Files.writeString(dir.resolve("page.html"), "<html>not found</html>"));

        ApplianceUpgrades.Pass pass = pass(upgrades(boot("0.1", "A", "celadon-0.1.efi"), "boot-1"), doc("0.2"), Map.of());

        assertThat(pass.status().message()).startsWith("the image is not a Celadon appliance image: ");
    }

    @Test
    void outsideTheMaintenanceWindowTheImageWaitsStaged() throws Exception {
        cached.put(SHA, TestUkis.build(dir, "new.efi", TestUkis.osRelease("0.2"), List.of("osrel", "cmdline", "linux", "initrd")));
        MaintenanceWindow sundays = new MaintenanceWindow(Set.of(DayOfWeek.SUNDAY), LocalTime.of(2, 0), Duration.ofHours(2));

        ApplianceUpgrades.Pass pass = pass(upgrades(boot("0.1", "A", "celadon-0.1.efi"), "boot-1"),
                doc("0.2", Optional.of(sundays)), Map.of(WEB, worker(VmState.RUNNING)));

        assertThat(pass.drain()).isFalse();
        assertThat(pass.status()).isEqualTo(new UpgradeStatus("0.2", "Staged",
                "in slot B; waiting for the maintenance window at 2026-12-06T02:00:00Z", NOW));
        assertThat(slots.files.get(Slot.B)).containsExactly("celadon-0.2+3.efi");
        assertThat(reboots).isZero();
    }

    @Test
    void theNewVersionOnTrialIsMarkedGoodOnceSyncedWithItsPartitionsRunningAgain() throws IOException {
        slots.files.get(Slot.B).add("celadon-0.2+2-1.efi");
        trying("0.2", "0.1", "boot-1");
        ApplianceUpgrades upgrades = upgrades(boot("0.2", "B", "celadon-0.2+2-1.efi"), "boot-2");

        ApplianceUpgrades.Pass unsynced = upgrades.pass(doc("0.2"), false, Set.of(WEB), Map.of(), DRAIN, NOW);
        assertThat(unsynced.status().state()).isEqualTo("Trying");
        assertThat(unsynced.status().message()).isEqualTo("on trial (celadon-0.2+2-1.efi), waiting for the first sync of Git");
        ApplianceUpgrades.Pass starting = pass(upgrades, doc("0.2"), Map.of(WEB, worker(VmState.STARTING)));
        assertThat(starting.status().message()).endsWith("waiting for partitions to run again: web");
        assertThat(UpgradeRecord.read(dir.resolve("upgrade")).orElseThrow().waiting())
                .as("for the watchdog's reason").isEqualTo("partitions to run again: web");

        ApplianceUpgrades.Pass good = pass(upgrades, doc("0.2"), Map.of(WEB, worker(VmState.RUNNING)));

        assertThat(slots.files.get(Slot.B)).containsExactly("celadon-0.2.efi");
        UpgradeRecord record = UpgradeRecord.read(dir.resolve("upgrade")).orElseThrow();
        assertThat(record.phase()).isEqualTo(UpgradeRecord.Phase.GOOD);
        assertThat(record.goodBoot()).isEqualTo("boot-2");
        assertThat(good.status()).isEqualTo(new UpgradeStatus("0.2", "Done", "upgraded from 0.1, marked good", NOW));
        pass(upgrades, doc("0.2"), Map.of(WEB, worker(VmState.RUNNING)));
        assertThat(slots.renames).as("marked good once").isEqualTo(1);
    }

    @Test
    void aPartitionGitNoLongerWantsHereIsNotWaitedFor() throws IOException {
        slots.files.get(Slot.B).add("celadon-0.2+2-1.efi");
        trying("0.2", "0.1", "boot-1");
        ApplianceUpgrades upgrades = upgrades(boot("0.2", "B", "celadon-0.2+2-1.efi"), "boot-2");

        upgrades.pass(doc("0.2"), true, Set.of(), Map.of(), DRAIN, NOW);

        assertThat(slots.files.get(Slot.B)).containsExactly("celadon-0.2.efi");
    }

    @Test
    void backOnTheOldVersionTheFailedOneIsRecordedRemovedAndNotTriedAgain() throws IOException {
        slots.files.get(Slot.B).add("celadon-0.2+0-1.efi");
        trying("0.2", "0.1", "boot-1");
        Files.writeString(dir.resolve("upgrade/upgrade.properties"), "reason=version 0.2 (celadon-0.2+0-1.efi) was not "
                + "marked good within 60 s: its reconciler never got to Git\n", java.nio.file.StandardOpenOption.APPEND);
        cached.put(SHA, dir.resolve("never read"));
        ApplianceUpgrades upgrades = upgrades(boot("0.1", "A", "celadon-0.1.efi"), "boot-3");

        ApplianceUpgrades.Pass pass = pass(upgrades, doc("0.2"), Map.of(WEB, worker(VmState.RUNNING)));

        assertThat(pass.status()).isEqualTo(new UpgradeStatus("0.2", "Failed", "version 0.2 (celadon-0.2+0-1.efi) was not "
                + "marked good within 60 s: its reconciler never got to Git; not tried again until the Appliance document "
                + "changes", NOW));
        assertThat(pass.drain()).isFalse();
        assertThat(pass.images()).isEmpty();
        assertThat(slots.files.get(Slot.B)).isEmpty();
        assertThat(UpgradeRecord.read(dir.resolve("upgrade")).orElseThrow().phase()).isEqualTo(UpgradeRecord.Phase.FAILED);
        assertThat(pass(upgrades, doc("0.2"), Map.of()).status().state()).isEqualTo("Failed");
        assertThat(reboots).isZero();
        // A new document (another build of 0.2) is tried.
        assertThat(pass(upgrades, new ApplianceSelection.One(spec("0.2", "b".repeat(64), Optional.empty())), Map.of())
                .status().state()).isEqualTo("Downloading");
    }

    @Test
    void aVersionThatNeverReachedTheWatchdogIsReportedAsSuch() throws IOException {
        trying("0.2", "0.1", "boot-1");

        ApplianceUpgrades.Pass pass = pass(upgrades(boot("0.1", "A", "celadon-0.1.efi"), "boot-3"), doc("0.2"), Map.of());

        assertThat(pass.status().message()).startsWith("version 0.2 did not mark itself good in any of its boots");
    }

    @Test
    void aDocumentChangedBeforeTheRebootCancelsIt() throws Exception {
        cached.put(SHA, TestUkis.build(dir, "new.efi", TestUkis.osRelease("0.2"), List.of("osrel", "cmdline", "linux", "initrd")));
        ApplianceUpgrades upgrades = upgrades(boot("0.1", "A", "celadon-0.1.efi"), "boot-1");
        assertThat(pass(upgrades, doc("0.2"), Map.of(WEB, worker(VmState.RUNNING))).drain()).isTrue();

        ApplianceUpgrades.Pass pass = pass(upgrades, new ApplianceSelection.None(), Map.of(WEB, worker(VmState.STOPPING)));

        assertThat(pass.drain()).isFalse();
        assertThat(slots.files.get(Slot.B)).isEmpty();
        assertThat(UpgradeRecord.read(dir.resolve("upgrade"))).isEmpty();
        assertThat(reboots).isZero();
    }

    @Test
    void aLowerVersionGoesFirstByDemotingTheRunningOne() throws Exception {
        slots.files.get(Slot.A).clear();
        slots.files.get(Slot.B).add("celadon-0.2.efi");
        cached.put(SHA, TestUkis.build(dir, "old.efi", TestUkis.osRelease("0.1"), List.of("osrel", "cmdline", "linux", "initrd")));

        pass(upgrades(boot("0.2", "B", "celadon-0.2.efi"), "boot-1"), doc("0.1"), Map.of());

        assertThat(slots.files.get(Slot.A)).containsExactly("celadon-0.1+3.efi");
        assertThat(slots.files.get(Slot.B)).containsExactly("celadon-0.2+0.efi");
        assertThat(BootEntry.sortsBefore(BootEntry.parse("celadon-0.1+3.efi").orElseThrow(),
                BootEntry.parse("celadon-0.2+0.efi").orElseThrow())).isTrue();
    }

    @Test
    void withoutSlotBOrItsOwnImageTheApplianceSaysWhyItCannotUpgrade() {
        BootInfo noSlotB = new BootInfo("0.1", Optional.of("A"), Optional.of("celadon-0.1.efi"),
                Optional.of(Path.of("/dev/vda1")), Optional.empty());
        BootInfo elsewhere = new BootInfo("0.1", Optional.empty(), Optional.empty(), Optional.of(Path.of("/dev/vda1")),
                Optional.of(Path.of("/dev/vda3")));

        assertThat(pass(upgrades(noSlotB, "boot-1"), doc("0.2"), Map.of()).status().message())
                .isEqualTo("this disk has no slot B (it had no 256 MiB to spare at the first boot)");
        assertThat(pass(upgrades(elsewhere, "boot-1"), doc("0.2"), Map.of()).status().message())
                .startsWith("the running image was not found in slot A or B");
    }

    @Test
    void twoDocumentsForThisApplianceAreAConflict() {
        SourceLocation a = new SourceLocation("a.yaml", 1, 1);
        SourceLocation b = new SourceLocation("b.yaml", 9, 1);

        ApplianceUpgrades.Pass pass = pass(upgrades(boot("0.1", "A", "celadon-0.1.efi"), "boot-1"),
                new ApplianceSelection.Conflict(List.of(b, a)), Map.of());

        assertThat(pass.status().message()).isEqualTo("2 Appliance documents select this appliance: a.yaml:1, b.yaml:9");
    }

    // --- helpers ---------------------------------------------------------------------------------

    private ApplianceUpgrades upgrades(BootInfo boot, String bootId) {
        return new ApplianceUpgrades(new ApplianceUpgrades.Setup(Optional.of(boot), slots, () -> reboots++,
                dir.resolve("upgrade"), bootId), images);
    }

    private static ApplianceUpgrades.Pass pass(ApplianceUpgrades upgrades, ApplianceSelection selection,
                                               Map<PartitionName, WorkerStatus> workers) {
        return upgrades.pass(selection, true, Set.of(WEB), workers, DRAIN, NOW);
    }

    private static BootInfo boot(String version, String slot, String entry) {
        return new BootInfo(version, Optional.of(slot), Optional.of(entry), Optional.of(Path.of("/dev/vda1")),
                Optional.of(Path.of("/dev/vda3")));
    }

    private void trying(String version, String from, String bootId) throws IOException {
        new UpgradeRecord(UpgradeRecord.Phase.TRYING, version, SHA, from, bootId, 600, List.of("web"), "", "", "",
                NOW.minusSeconds(600)).write(dir.resolve("upgrade"));
    }

    private static ApplianceSelection doc(String version) {
        return doc(version, Optional.empty());
    }

    private static ApplianceSelection doc(String version, Optional<MaintenanceWindow> window) {
        return new ApplianceSelection.One(spec(version, SHA, window));
    }

    private static ApplianceSpec spec(String version, String sha256, Optional<MaintenanceWindow> window) {
        return new ApplianceSpec("host-a", Map.of(), Optional.empty(), version, "http://images/celadon-" + version + ".efi",
                sha256, 3, Duration.ofMinutes(10), window, new SourceLocation("appliance.yaml", 1, 1));
    }

    private static WorkerStatus worker(VmState state) {
        return new WorkerStatus(WEB, state, Specs.partition("web").vm(), OptionalLong.of(42), Accel.TCG,
                NOW.minusSeconds(60), Optional.empty(), GuestInfo.UNKNOWN, Optional.empty());
    }

    /** Slots in memory, failing where mtools fails: a file to rename or delete that is not there. */
    private static final class MemorySlots implements BootSlots {
        final Map<Slot, TreeSet<String>> files = new EnumMap<>(Map.of(Slot.A, new TreeSet<>(), Slot.B, new TreeSet<>()));
        int renames;

        @Override
        public List<String> entries(Slot slot) {
            return new ArrayList<>(files.get(slot));
        }

        @Override
        public void write(Slot slot, Path image, String name) {
            files.get(slot).add(name);
        }

        @Override
        public void rename(Slot slot, String from, String to) throws IOException {
            if (!files.get(slot).remove(from)) {
                throw new IOException("mren: File \"" + from + "\" not found");
            }
            files.get(slot).add(to);
            renames++;
        }

        @Override
        public void delete(Slot slot, String name) throws IOException {
            if (!files.get(slot).remove(name)) {
                throw new IOException("mdel: File \"" + name + "\" not found");
            }
        }
    }
}
