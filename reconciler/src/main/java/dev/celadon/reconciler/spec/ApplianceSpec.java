package dev.celadon.reconciler.spec;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One parsed and validated {@code kind: Appliance} document: which version of Celadon's own OS image (a
 * unified kernel image) the appliances it applies to should run, where to fetch it, and how to switch to it.
 *
 * @param name              {@code metadata.name}: unique among the revision's Appliance documents; without a
 *                          placement, the name of the one appliance the document applies to
 * @param placement         which appliances the document applies to; empty = the appliance called {@code name}
 * @param version           the version, as it appears in the image's file name {@code celadon-VERSION+TRIES.efi}
 * @param imageUrl          where the image is fetched (the same rules as a disk's image by URL)
 * @param sha256            the SHA-256 of the image as served
 * @param tries             how many boots the new version gets to mark itself good before the appliance falls back
 * @param readyTimeout      how long one boot of the new version has to mark itself good
 * @param maintenanceWindow when the appliance may switch; empty = at once
 * @param at                where the document starts, for messages about it as a whole
 */
public record ApplianceSpec(
        String name,
        Map<String, String> labels,
        Optional<Placement> placement,
        String version,
        String imageUrl,
        String sha256,
        int tries,
        Duration readyTimeout,
        Optional<MaintenanceWindow> maintenanceWindow,
        SourceLocation at) {

    /**
     * A letter or digit, then letters, digits and {@code . ~ ^ -}: what systemd-boot's version order reads (it
     * skips other characters, so {@code 1_2} would be the same version as {@code 12}; the same set as
     * {@code upgrade.BootEntry}), safe in a file name on the ESP, and without {@code +}, after which
     * systemd-boot reads the boot counter ({@code celadon-VERSION+TRIES.efi}).
     */
    private static final Pattern VERSION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9.~^-]{0,63}");

    public ApplianceSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(placement, "placement");
        Objects.requireNonNull(imageUrl, "imageUrl");
        Objects.requireNonNull(sha256, "sha256");
        Objects.requireNonNull(readyTimeout, "readyTimeout");
        Objects.requireNonNull(maintenanceWindow, "maintenanceWindow");
        Objects.requireNonNull(at, "at");
        // The version becomes a file name: never build one from a version the reader would refuse.
        versionProblem(version).ifPresent(problem -> {
            throw new IllegalArgumentException(problem);
        });
        labels = Map.copyOf(labels);
    }

    /** What is wrong with a version, or empty. */
    public static Optional<String> versionProblem(String version) {
        if (VERSION.matcher(version).matches()) {
            return Optional.empty();
        }
        return Optional.of("invalid version \"" + version + "\": use a letter or digit, then at most 63 letters, digits,"
                + " '.', '~', '^' or '-'; no '+', which systemd-boot reads as the start of the boot counter"
                + " (celadon-VERSION+TRIES.efi)");
    }

    /** Whether the document is meant for this appliance: its placement matches, or, without one, its name is the appliance's. */
    public boolean appliesTo(String applianceName, Map<String, String> applianceLabels) {
        return placement.map(p -> p.matches(applianceName, applianceLabels)).orElse(name.equals(applianceName));
    }
}
