package dev.celadon.reconciler.spec;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Which Appliance document of a revision applies to one appliance ({@link SpecSet#applianceFor}): none, one,
 * or several, which is a conflict the revision cannot settle.
 */
public sealed interface ApplianceSelection {

    /** No document applies: the appliance keeps the version it runs. */
    record None() implements ApplianceSelection {
    }

    record One(ApplianceSpec appliance) implements ApplianceSelection {
    }

    /** @param documents where each applying document starts, by file and line */
    record Conflict(List<SourceLocation> documents) implements ApplianceSelection {

        public Conflict {
            documents = documents.stream().sorted(Comparator.comparing(SourceLocation::file)
                    .thenComparingInt(SourceLocation::line).thenComparingInt(SourceLocation::column)).toList();
        }

        /** E.g. {@code 2 Appliance documents select this appliance: a.yaml:3, b.yaml:9}. */
        public String message() {
            return documents.size() + " Appliance documents select this appliance: "
                    + documents.stream().map(at -> at.file() + ":" + at.line()).collect(Collectors.joining(", "));
        }
    }

    /** Of {@code documents}, those that apply to the appliance of this name and these labels ({@link ApplianceSpec#appliesTo}). */
    static ApplianceSelection among(List<ApplianceSpec> documents, String applianceName, Map<String, String> applianceLabels) {
        return of(documents.stream().filter(a -> a.appliesTo(applianceName, applianceLabels)).toList());
    }

    static ApplianceSelection of(List<ApplianceSpec> applying) {
        return switch (applying.size()) {
            case 0 -> new None();
            case 1 -> new One(applying.getFirst());
            default -> new Conflict(applying.stream().map(ApplianceSpec::at).toList());
        };
    }
}
