package dev.celadon.reconciler.spec;

import dev.celadon.hypervisor.VmConfigRules;
import dev.celadon.reconciler.spec.Value.Fields;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * What every kind of document reads alike: labels, {@code spec.placement}, appliance names, an image
 * fetched by URL and closed sets of spellings. Each reader reports its own errors, as {@link Value} does,
 * and returns what is sound.
 */
final class SharedFields {

    /** A host name as {@code celadon.appliance.name} holds it. */
    private static final Pattern APPLIANCE = Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_.]{0,251}[A-Za-z0-9])?");

    /** An image fetched by URL, checked by its form only: {@code {url, sha256}}. */
    record ImageByUrl(String url, String sha256) {
    }

    private SharedFields() {
    }

    /** Labels, or a selector of them: only the sound entries, each bad key or value reported. */
    static Map<String, String> labels(Value value) {
        Map<String, String> labels = new LinkedHashMap<>();
        value.entries().ifPresent(entries -> {
            for (Value.Entry entry : entries) {
                Optional<String> keyProblem = Labels.checkKey(entry.key());
                keyProblem.ifPresent(entry::keyError);
                entry.value().string().ifPresent(text -> {
                    Optional<String> valueProblem = Labels.checkValue(text);
                    valueProblem.ifPresent(entry.value()::error);
                    if (keyProblem.isEmpty() && valueProblem.isEmpty()) {
                        labels.put(entry.key(), text);
                    }
                });
            }
        });
        return labels;
    }

    /** {@code spec.placement}: appliance names and a label selector, both optional. */
    static Optional<Placement> placement(Value value) {
        return value.fields(Section.PLACEMENT).map(placement -> {
            List<String> appliances = new ArrayList<>();
            placement.optional("appliances").flatMap(Value::list)
                    .ifPresent(items -> items.forEach(item -> applianceName(item).ifPresent(appliances::add)));
            Map<String, String> selector = placement.optional("selector").map(SharedFields::labels).orElse(Map.of());
            return new Placement(appliances, selector);
        });
    }

    /** An appliance's name, as placements and Appliance documents give it. */
    static Optional<String> applianceName(Value value) {
        return value.string().filter(name -> {
            boolean valid = APPLIANCE.matcher(name).matches();
            if (!valid) {
                value.error("invalid appliance name \"" + name + "\": use a host name of letters, digits, '-', '_' or '.'");
            }
            return valid;
        });
    }

    /** {@code {url, sha256}} under {@code section}, by the hypervisor's rules for both (one rule for a disk and an OS image). */
    static Optional<ImageByUrl> imageByUrl(Value image, Section section) {
        return image.fields(section).flatMap(fields -> {
            Optional<String> url = checked(fields.required("url"), VmConfigRules::imageUrlProblem);
            Optional<String> sha256 = checked(fields.required("sha256"), VmConfigRules::sha256Problem);
            return url.isPresent() && sha256.isPresent() ? Optional.of(new ImageByUrl(url.get(), sha256.get())) : Optional.empty();
        });
    }

    /** Spelling → constant, in declaration order so messages list the values as the docs do. */
    static <E> Map<String, E> spellings(E[] values, Function<E, String> spelling) {
        Map<String, E> map = new LinkedHashMap<>();
        for (E value : values) {
            map.put(spelling.apply(value), value);
        }
        return Collections.unmodifiableMap(map);
    }

    private static Optional<String> checked(Optional<Value> value, Function<String, Optional<String>> problem) {
        return value.flatMap(v -> v.string().filter(text -> {
            Optional<String> found = problem.apply(text);
            found.ifPresent(v::error);
            return found.isEmpty();
        }));
    }
}
