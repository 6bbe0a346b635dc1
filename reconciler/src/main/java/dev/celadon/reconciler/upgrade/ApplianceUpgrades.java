package dev.celadon.reconciler.upgrade;

import dev.celadon.hypervisor.PartitionName;
import dev.celadon.hypervisor.VmState;
import dev.celadon.hypervisor.WorkerStatus;
import dev.celadon.reconciler.images.ImageRequest;
import dev.celadon.reconciler.images.ImageState;
import dev.celadon.reconciler.spec.ApplianceSelection;
import dev.celadon.reconciler.spec.ApplianceSpec;
import dev.celadon.reconciler.upgrade.BootSlots.Slot;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The appliance's own A/B upgrade, one step per reconcile pass (docs/design.md §4 "Upgrades"). Loop thread only.
 *
 * <p>Git's Appliance document names a version and its image. The image is fetched as disk images are, checked
 * (a unified kernel image of that version), and written to the slot the appliance did not boot from with
 * systemd-boot's try counter ({@code celadon-VERSION+TRIES.efi}). In the maintenance window the record turns
 * {@code trying}, the loop stops every partition (their grace periods honoured) and PID 1 is asked to reboot.
 * systemd-boot boots the new version; once its reconciler has synced Git and the partitions that ran before run
 * again it renames its image without the counter: marked good. A version that never gets there is rebooted by
 * the watchdog ({@code /sbin/celadon-trial}) until its tries are spent; then systemd-boot boots the old one,
 * which finds the record still {@code trying} for another version, records it failed with the watchdog's reason,
 * removes its image, and does not try the same document again.
 */
public final class ApplianceUpgrades {

    private static final Logger LOG = Logger.getLogger(ApplianceUpgrades.class);

    /**
     * What one pass decided.
     *
     * @param images the boot image to fetch, checksum → request (empty: none)
     * @param drain  whether every partition is to be stopped: the reboot waits for them
     * @param status status's {@code appliance.upgrade}; null when there is nothing to say
     */
    public record Pass(Map<String, ImageRequest> images, boolean drain, UpgradeStatus status) {
        static Pass idle(UpgradeStatus status) {
            return new Pass(Map.of(), false, status);
        }
    }

    /** What the loop knows that a pass needs. */
    public interface Images {
        Optional<Path> cached(String sha256);

        ImageState state(String sha256);
    }

    /**
     * Where upgrades happen: the boot /init found (absent off the appliance: nothing to upgrade), its slots, how to
     * reboot, the folder of the record ({@code <state-dir>/upgrade}), and this boot's id.
     */
    public record Setup(Optional<BootInfo> boot, BootSlots slots, Rebooter rebooter, Path dir, String bootId) {

        /** Not the appliance. */
        public static Setup none(Path dir) {
            return new Setup(Optional.empty(), new MtoolsSlots(Map.of()), () -> {
                throw new IOException("not the appliance");
            }, dir, "");
        }

        /** The appliance's: its slots through mtools, the reboot through PID 1, the kernel's boot id. */
        public static Setup of(BootInfo boot, Path dir) throws IOException {
            return new Setup(Optional.of(boot), slotsOf(boot), Rebooter.INIT, dir,
                    java.nio.file.Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).strip());
        }
    }

    /**
     * How long PID 1 may take to reboot once asked: busybox init's shutdown (SIGTERM to everything, SIGKILL, reboot)
     * takes seconds; the reconciler still running after this means no reboot is coming.
     */
    static final Duration REBOOT_LIMIT = Duration.ofMinutes(5);

    private final BootInfo boot;
    private final BootSlots slots;
    private final Rebooter rebooter;
    private final Path dir;
    private final String bootId;
    private final Images images;

    private Optional<UpgradeRecord> record;
    /** This boot's image in its slot: the counter goes when it is marked good. */
    private Optional<BootEntry> entry;
    /** The document (version and checksum) whose image this run wrote into the inactive slot. */
    private String staged;
    /** The running version's own entry, when this run renamed it so that a lower version boots first. */
    private Optional<String> demoted = Optional.empty();
    private Instant drainSince;
    /** When PID 1 was asked to reboot; null before. */
    private Instant rebootAsked;
    /** Why the last document could not go ahead without a new one: shown, and not tried at every pass. */
    private String refusedKey;
    private UpgradeStatus refused;

    /** Reads the record, if the appliance has one. */
    public ApplianceUpgrades(Setup setup, Images images) {
        this.boot = setup.boot().orElse(null);
        this.slots = setup.slots();
        this.rebooter = setup.rebooter();
        this.dir = setup.dir();
        this.bootId = setup.bootId();
        this.images = images;
        this.record = boot == null ? Optional.empty() : readRecord();
        this.entry = boot == null ? Optional.empty() : boot.entry().flatMap(BootEntry::parse);
    }

    /** The devices of slot A and B as /init found them; slot B's may be missing. */
    static BootSlots slotsOf(BootInfo boot) {
        Map<Slot, Path> devices = new java.util.EnumMap<>(Slot.class);
        boot.esp().ifPresent(esp -> devices.put(Slot.A, esp));
        boot.slotB().ifPresent(b -> devices.put(Slot.B, b));
        return new MtoolsSlots(devices);
    }

    /**
     * One step.
     *
     * @param selection     the revision's Appliance document for this appliance
     * @param synced        whether this run has fetched and applied Git
     * @param wantedRunning the partitions the revision wants running on this appliance
     * @param workers       the workers as observed in this pass
     * @param drainLimit    how long stopping the partitions may take before the reboot goes ahead anyway
     */
    public Pass pass(ApplianceSelection selection, boolean synced, Set<PartitionName> wantedRunning,
                     Map<PartitionName, WorkerStatus> workers, Duration drainLimit, Instant now) {
        if (boot == null) {
            return Pass.idle(switch (selection) {
                case ApplianceSelection.None none -> null;
                case ApplianceSelection.Conflict conflict -> new UpgradeStatus(null, "Failed", conflict.message(), now);
                case ApplianceSelection.One one -> new UpgradeStatus(one.appliance().version(), "Failed", "not the "
                        + "appliance (celadon.appliance.boot-file is not set): there is no boot image to upgrade", now);
            });
        }
        Optional<UpgradeStatus> trial = trial(synced, wantedRunning, workers, now);
        failedTrial(now);
        if (draining()) {
            return drain(selection, workers, drainLimit, now);
        }
        return switch (selection) {
            case ApplianceSelection.None none -> Pass.idle(trial.orElse(null));
            case ApplianceSelection.Conflict conflict ->
                    Pass.idle(new UpgradeStatus(null, "Failed", conflict.message(), now));
            case ApplianceSelection.One one -> toward(one.appliance(), trial, workers, now);
        };
    }

    /** On a boot of a version on trial: marks it good once Git is synced and the partitions that ran before run. */
    private Optional<UpgradeStatus> trial(boolean synced, Set<PartitionName> wantedRunning,
                                         Map<PartitionName, WorkerStatus> workers, Instant now) {
        // An entry this run demoted waits for the reboot, not to be marked good.
        Optional<BootEntry> trial = entry.filter(BootEntry::isTrial).filter(e -> demoted.isEmpty());
        if (trial.isEmpty() || boot.slot().isEmpty()) {
            return Optional.empty();
        }
        Optional<UpgradeRecord> mine = record.filter(r -> r.phase() == UpgradeRecord.Phase.TRYING
                && r.version().equals(boot.version()));
        List<String> notRunning = mine.map(UpgradeRecord::partitions).orElse(List.of()).stream()
                .filter(name -> wantedRunning.contains(new PartitionName(name)))
                .filter(name -> !running(workers.get(new PartitionName(name))))
                .toList();
        String waiting = !synced ? "the first sync of Git" : notRunning.isEmpty() ? "" : "partitions to run again: "
                + String.join(", ", notRunning);
        if (waiting.isEmpty()) {
            markGood(trial.get(), mine, now);
            return Optional.empty();
        }
        mine.filter(r -> !r.waiting().equals(waiting)).ifPresent(r -> save(r.waiting(waiting)));
        return Optional.of(new UpgradeStatus(boot.version(), "Trying", "on trial (" + trial.get().fileName()
                + "), waiting for " + waiting, mine.map(UpgradeRecord::at).orElse(now)));
    }

    private void markGood(BootEntry trial, Optional<UpgradeRecord> mine, Instant now) {
        Slot slot = Slot.valueOf(boot.slot().orElseThrow());
        try {
            slots.rename(slot, trial.fileName(), trial.blessed().fileName());
        } catch (IOException e) {
            LOG.errorf("version %s cannot be marked good: %s", boot.version(), e.getMessage());
            return;
        }
        LOG.infof("version %s marked good: %s in slot %s is now %s", boot.version(), trial.fileName(), slot,
                trial.blessed().fileName());
        entry = Optional.of(trial.blessed());
        // The watchdog of this boot stops at good-boot; the record of another version (a failed one) keeps its phase.
        record.ifPresent(r -> save(mine.isPresent() ? r.with(UpgradeRecord.Phase.GOOD, "", now).goodBoot(bootId)
                : r.goodBoot(bootId)));
    }

    /** Back on the old version after a version that never marked itself good: record why, and remove its image. */
    private void failedTrial(Instant now) {
        Optional<UpgradeRecord> failed = record.filter(r -> r.phase() == UpgradeRecord.Phase.TRYING
                && !r.version().equals(boot.version()) && !r.bootId().equals(bootId));
        if (failed.isEmpty()) {
            return;
        }
        UpgradeRecord r = failed.get();
        String reason = r.reason().isBlank()
                ? "version " + r.version() + " did not mark itself good in any of its boots, and said nothing (its "
                + "system did not reach the trial watchdog)"
                : r.reason();
        LOG.warnf("the upgrade to %s failed, back on %s: %s", r.version(), boot.version(), reason);
        save(r.with(UpgradeRecord.Phase.FAILED, reason, now));
        boot.slot().map(Slot::valueOf).map(Slot::other).ifPresent(other -> removeVersion(other, r.version()));
    }

    private boolean draining() {
        return record.filter(r -> r.phase() == UpgradeRecord.Phase.TRYING && r.bootId().equals(bootId)
                && !r.version().equals(boot.version())).isPresent();
    }

    /** Partitions stopped (or the limit spent), then the reboot; a document that no longer asks for it cancels. */
    private Pass drain(ApplianceSelection selection, Map<PartitionName, WorkerStatus> workers, Duration drainLimit,
                       Instant now) {
        UpgradeRecord r = record.orElseThrow();
        boolean stillWanted = selection instanceof ApplianceSelection.One one
                && r.isFor(one.appliance().version(), one.appliance().sha256());
        if (!stillWanted && rebootAsked == null) {
            cancel(r);
            return Pass.idle(null);
        }
        if (drainSince == null) {
            drainSince = now;
        }
        List<String> running = workers.values().stream().filter(w -> live(w.state())).map(w -> w.name().value())
                .sorted().toList();
        boolean limitSpent = !now.isBefore(drainSince.plus(drainLimit));
        if ((running.isEmpty() || limitSpent) && rebootAsked == null) {
            LOG.infof("rebooting into version %s%s", r.version(), running.isEmpty() ? ""
                    : " with partitions still stopping after " + drainLimit.toSeconds() + " s: " + String.join(", ", running));
            try {
                rebooter.reboot();
                rebootAsked = now;
            } catch (IOException e) {
                LOG.errorf("cannot reboot into version %s: %s", r.version(), e.getMessage());
                return new Pass(Map.of(), true, new UpgradeStatus(r.version(), "Failed", "cannot reboot: " + e.getMessage(), now));
            }
        }
        if (rebootAsked != null && !now.isBefore(rebootAsked.plus(REBOOT_LIMIT))) {
            return rebootNeverCame(r, now);
        }
        String message = rebootAsked != null ? "rebooting into it (from " + r.from() + ")"
                : "stopping partitions before the reboot: " + String.join(", ", running);
        return new Pass(Map.of(), true, new UpgradeStatus(r.version(), "Rebooting", message, drainSince));
    }

    /**
     * PID 1 was asked and did not reboot: the upgrade fails, its image leaves the other slot (so no later reboot
     * boots it unasked), and the partitions start again on this version.
     */
    private Pass rebootNeverCame(UpgradeRecord r, Instant now) {
        String reason = "PID 1 was asked to reboot into version " + r.version() + " at " + rebootAsked
                + " and did not reboot within " + REBOOT_LIMIT.toSeconds() + " s";
        LOG.errorf("the upgrade to %s failed: %s; the partitions start again on %s", r.version(), reason, boot.version());
        boot.slot().map(Slot::valueOf).map(Slot::other).ifPresent(other -> removeVersion(other, r.version()));
        restoreDemoted();
        save(r.with(UpgradeRecord.Phase.FAILED, reason, now));
        staged = null;
        drainSince = null;
        rebootAsked = null;
        return Pass.idle(failed(record.orElseThrow()));
    }

    /** The status of an upgrade that failed: shown until the document changes. */
    private static UpgradeStatus failed(UpgradeRecord r) {
        return new UpgradeStatus(r.version(), "Failed", r.reason() + "; not tried again until the Appliance document changes",
                r.at());
    }

    private void cancel(UpgradeRecord r) {
        LOG.infof("the upgrade to %s is no longer asked for: cancelled before the reboot", r.version());
        boot.slot().map(Slot::valueOf).map(Slot::other).ifPresent(other -> removeVersion(other, r.version()));
        restoreDemoted();
        try {
            UpgradeRecord.delete(dir);
        } catch (IOException e) {
            LOG.errorf("cannot remove the upgrade record in %s: %s", dir, e.getMessage());
        }
        record = Optional.empty();
        staged = null;
        drainSince = null;
    }

    /** The document asks for {@code doc.version()}: fetch, check, stage, wait for the window, then drain. */
    private Pass toward(ApplianceSpec doc, Optional<UpgradeStatus> trial, Map<PartitionName, WorkerStatus> workers,
                        Instant now) {
        String key = doc.version() + " " + doc.sha256();
        if (doc.version().equals(boot.version())) {
            return Pass.idle(trial.orElseGet(() -> record.filter(r -> r.phase() == UpgradeRecord.Phase.GOOD
                            && r.version().equals(boot.version()))
                    .map(r -> new UpgradeStatus(r.version(), "Done", "upgraded from " + r.from() + ", marked good", r.at()))
                    .orElse(null)));
        }
        Optional<UpgradeRecord> failed = record.filter(r -> r.phase() == UpgradeRecord.Phase.FAILED
                && r.isFor(doc.version(), doc.sha256()));
        if (failed.isPresent()) {
            return Pass.idle(failed(failed.get()));
        }
        if (key.equals(refusedKey)) {
            return Pass.idle(refused);
        }
        Optional<String> cannot = boot.slot().isEmpty()
                ? Optional.of("the running image was not found in slot A or B (was the appliance booted from its disk?)")
                : boot.slotB().isEmpty()
                ? Optional.of("this disk has no slot B (it had no 256 MiB to spare at the first boot)")
                : Optional.empty();
        if (cannot.isPresent()) {
            return refuse(key, new UpgradeStatus(doc.version(), "Failed", cannot.get(), now));
        }
        if (trial.isPresent()) {
            return Pass.idle(new UpgradeStatus(doc.version(), "Staged", "waits until the running version "
                    + boot.version() + ", on trial, is marked good", now));
        }
        Map<String, ImageRequest> wanted = Map.of(doc.sha256(), new ImageRequest(doc.imageUrl(), ImageRequest.Content.EFI));
        Optional<Path> image = images.cached(doc.sha256());
        if (image.isEmpty()) {
            return new Pass(wanted, false, fetching(doc, images.state(doc.sha256()), now));
        }
        if (!key.equals(staged)) {
            Optional<String> problem = stage(doc, image.get());
            if (problem.isPresent()) {
                return refuse(key, new UpgradeStatus(doc.version(), "Failed", problem.get(), now));
            }
            staged = key;
        }
        Optional<Instant> window = doc.maintenanceWindow().filter(w -> !w.contains(now)).map(w -> w.nextStart(now));
        if (window.isPresent()) {
            return new Pass(wanted, false, new UpgradeStatus(doc.version(), "Staged",
                    "in slot " + inactive() + "; waiting for the maintenance window at " + window.get(), now));
        }
        List<String> running = workers.values().stream().filter(w -> w.state() == VmState.RUNNING)
                .map(w -> w.name().value()).sorted().toList();
        LOG.infof("upgrading to version %s: stopping %d partitions, then the reboot", doc.version(), running.size());
        save(new UpgradeRecord(UpgradeRecord.Phase.TRYING, doc.version(), doc.sha256(), boot.version(), bootId,
                doc.readyTimeout().toSeconds(), running, "", "", "", now));
        return new Pass(Map.of(), true, new UpgradeStatus(doc.version(), "Rebooting",
                "stopping partitions before the reboot: " + String.join(", ", running), now));
    }

    private Pass refuse(String key, UpgradeStatus status) {
        LOG.warnf("the upgrade to %s cannot go ahead: %s", status.version(), status.message());
        refusedKey = key;
        refused = status;
        return Pass.idle(status);
    }

    private static UpgradeStatus fetching(ApplianceSpec doc, ImageState state, Instant now) {
        String message = switch (state) {
            case ImageState.Downloading d -> d.total() > 0
                    ? d.done() + " of " + d.total() + " bytes (" + (d.done() * 100 / d.total()) + "%)"
                    : d.done() + " bytes";
            case ImageState.Failed f -> "failed: " + f.message() + " (attempt " + f.attempts() + "; next at " + f.retryAt() + ")";
            case ImageState.Queued q -> "queued";
            case ImageState.Ready r -> "fetched";
        };
        return new UpgradeStatus(doc.version(), "Downloading", message, now);
    }

    /**
     * The image, checked, into the inactive slot with the document's tries; the running version's entry renamed
     * to sort after it when it would otherwise still boot first (a lower version), so systemd-boot tries this one.
     * What is wrong with the image, if anything.
     */
    private Optional<String> stage(ApplianceSpec doc, Path image) {
        Slot target = inactive();
        try {
            UkiImage.Check check = UkiImage.check(image);
            if (check instanceof UkiImage.Invalid invalid) {
                return Optional.of("the image is not a Celadon appliance image: " + invalid.problem());
            }
            String version = ((UkiImage.Valid) check).image().versionId();
            if (!version.equals(doc.version())) {
                return Optional.of("the image is version " + version + " (its os-release VERSION_ID), the document says "
                        + doc.version());
            }
            for (String name : slots.entries(target)) {
                if (name.startsWith("celadon-")) {
                    slots.delete(target, name);
                }
            }
            BootEntry next = BootEntry.of(doc.version()).withTries(doc.tries());
            slots.write(target, image, next.fileName());
            LOG.infof("version %s written to slot %s as %s", doc.version(), target, next.fileName());
            Optional<BootEntry> current = entry;
            if (current.isPresent() && BootEntry.sortsBefore(current.get(), next)) {
                BootEntry lower = current.get().demoted();
                slots.rename(Slot.valueOf(boot.slot().orElseThrow()), current.get().fileName(), lower.fileName());
                demoted = Optional.of(current.get().fileName());
                entry = Optional.of(lower);
            }
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of("cannot write slot " + target + ": " + e.getMessage());
        }
    }

    private void restoreDemoted() {
        demoted.ifPresent(name -> {
            Slot slot = Slot.valueOf(boot.slot().orElseThrow());
            try {
                slots.rename(slot, BootEntry.parse(name).orElseThrow().demoted().fileName(), name);
                entry = BootEntry.parse(name);
            } catch (IOException e) {
                LOG.errorf("cannot restore %s in slot %s: %s", name, slot, e.getMessage());
            }
        });
        demoted = Optional.empty();
    }

    private void removeVersion(Slot slot, String version) {
        try {
            for (String name : slots.entries(slot)) {
                Optional<BootEntry> parsed = BootEntry.parse(name);
                if (parsed.isPresent() && parsed.get().version().equals(version) || name.startsWith("celadon-" + version + "+")
                        && name.endsWith(".tmp")) {
                    slots.delete(slot, name);
                }
            }
        } catch (IOException e) {
            LOG.errorf("cannot remove version %s from slot %s: %s", version, slot, e.getMessage());
        }
    }

    private Slot inactive() {
        return Slot.valueOf(boot.slot().orElseThrow()).other();
    }

    private static boolean running(WorkerStatus worker) {
        return worker != null && worker.state() == VmState.RUNNING;
    }

    /** A worker that still holds its guest: the reboot waits for it. */
    private static boolean live(VmState state) {
        return state != VmState.STOPPED && state != VmState.CRASHED;
    }

    private Optional<UpgradeRecord> readRecord() {
        try {
            return UpgradeRecord.read(dir);
        } catch (IOException e) {
            LOG.errorf("the upgrade record cannot be read, and is ignored: %s", e.getMessage());
            return Optional.empty();
        }
    }

    private void save(UpgradeRecord next) {
        try {
            next.write(dir);
        } catch (IOException e) {
            LOG.errorf("cannot write the upgrade record in %s: %s", dir, e.getMessage());
        }
        record = Optional.of(next);
    }
}
