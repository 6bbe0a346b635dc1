package dev.celadon.reconciler.spec;

import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A YAML node being read as a spec field: the node, its dotted path and where its key is. Every
 * accessor checks the node's type and reports a mismatch itself, returning empty, so that callers
 * read on and every error of a document is found in one pass.
 */
final class Value {

    private final Node node;
    private final String path;
    private final Mark keyMark;
    private final Problems problems;
    /** Every value of the document read so far, by path: where a check made after reading points to. */
    private final Map<String, Value> index;

    private Value(Node node, String path, Mark keyMark, Problems problems, Map<String, Value> index) {
        this.node = node;
        this.path = path;
        this.keyMark = keyMark;
        this.problems = problems;
        this.index = index;
        index.put(path, this);
    }

    static Value document(Node root, Problems problems) {
        return new Value(root, "", root.getStartMark(), problems, new HashMap<>());
    }

    /** The value at {@code path}, or the closest one above it that was read (at worst the document). */
    Value nearest(String path) {
        for (String at = path; ; at = parent(at)) {
            Value value = index.get(at);
            if (value != null) {
                return value;
            }
            if (at.isEmpty()) {
                return this;
            }
        }
    }

    private static String parent(String path) {
        int cut = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['));
        return cut < 0 ? "" : path.substring(0, cut);
    }

    /** Reports a problem found about {@code field}, pointing at this value (the field, or what holds it). */
    void errorAt(String field, String message) {
        problems.report(node.getStartMark(), field, message);
    }

    String path() {
        return path;
    }

    /** Where the value itself starts. */
    SourceLocation at() {
        return problems.at(node.getStartMark());
    }

    /** Reports a problem with this value's content, pointing at the value. */
    void error(String message) {
        problems.report(node.getStartMark(), path, message);
    }

    // --- collections -------------------------------------------------------------------------

    /** A mapping's entries in order; keys must be scalars and appear once. */
    Optional<List<Entry>> entries() {
        if (!(node instanceof MappingNode mapping)) {
            typeError("a mapping");
            return Optional.empty();
        }
        List<Entry> entries = new ArrayList<>();
        Map<String, Node> seen = new HashMap<>();
        for (NodeTuple tuple : mapping.getValue()) {
            if (!(tuple.getKeyNode() instanceof ScalarNode key)) {
                problems.report(tuple.getKeyNode().getStartMark(), path, "keys must be plain strings, not " + describe(tuple.getKeyNode()));
                continue;
            }
            Value value = new Value(tuple.getValueNode(), childPath(key.getValue()), key.getStartMark(), problems, index);
            Node first = seen.putIfAbsent(key.getValue(), key);
            if (first != null) {
                problems.report(key.getStartMark(), value.path, "duplicate field; already set at line " + (first.getStartMark().getLine() + 1));
                continue;
            }
            entries.add(new Entry(key.getValue(), value));
        }
        return Optional.of(entries);
    }

    /** A mapping with the fields a section allows; others are reported with the allowed list. */
    Optional<Fields> fields(Section section) {
        return entries().map(entries -> {
            Map<String, Value> known = new LinkedHashMap<>();
            for (Entry entry : entries) {
                if (section.fields.contains(entry.key())) {
                    known.put(entry.key(), entry.value());
                } else {
                    problems.report(entry.value().keyMark, entry.value().path, unknownField(entry.key(), section.fields));
                }
            }
            return new Fields(this, known);
        });
    }

    /** Whether the value is a mapping, for a field that takes a string or a mapping. */
    boolean isMapping() {
        return node instanceof MappingNode;
    }

    Optional<List<Value>> list() {
        if (!(node instanceof SequenceNode sequence)) {
            typeError("a list");
            return Optional.empty();
        }
        List<Value> items = new ArrayList<>();
        for (Node item : sequence.getValue()) {
            items.add(new Value(item, path + "[" + items.size() + "]", item.getStartMark(), problems, index));
        }
        return Optional.of(items);
    }

    // --- scalars -----------------------------------------------------------------------------

    Optional<String> string() {
        if (isScalar(Tag.STR)) {
            return Optional.of(scalar());
        }
        if (node instanceof ScalarNode && !isScalar(Tag.NULL)) {
            error("expected a string, got " + describe(node) + "; quote it to make it one");
        } else {
            typeError("a string");
        }
        return Optional.empty();
    }

    Optional<Boolean> bool() {
        if (isScalar(Tag.BOOL)) {
            return Optional.of(Boolean.parseBoolean(scalar()));
        }
        typeError("a boolean (true or false)");
        return Optional.empty();
    }

    /** A whole number within {@code [min, max]}. */
    Optional<Integer> integer(int min, int max) {
        if (!isScalar(Tag.INT)) {
            typeError("an integer");
            return Optional.empty();
        }
        long number;
        try {
            number = Long.parseLong(scalar());
        } catch (NumberFormatException huge) {
            number = scalar().startsWith("-") ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
        if (number < min || number > max) {
            error(scalar() + " is out of range; use " + min + " to " + max);
            return Optional.empty();
        }
        return Optional.of((int) number);
    }

    /** A byte quantity: plain bytes as an integer, or a string such as {@code 512Mi}. */
    Optional<Long> quantity() {
        if (!isScalar(Tag.INT) && !isScalar(Tag.STR)) {
            typeError("a quantity such as 512Mi");
            return Optional.empty();
        }
        try {
            return Optional.of(Quantities.parse(scalar()));
        } catch (IllegalArgumentException e) {
            error(e.getMessage());
            return Optional.empty();
        }
    }

    /** CPU time in millicores: a number of cores ({@code 2}, {@code 0.5}) or a string such as {@code 500m}. */
    Optional<Integer> millicores() {
        if (!isScalar(Tag.INT) && !isScalar(Tag.FLOAT) && !isScalar(Tag.STR)) {
            typeError("a number of cores such as 0.5");
            return Optional.empty();
        }
        try {
            return Optional.of(Cores.parseMillicores(scalar()));
        } catch (IllegalArgumentException e) {
            error(e.getMessage());
            return Optional.empty();
        }
    }

    Optional<Duration> duration() {
        if (!isScalar(Tag.STR) && !isScalar(Tag.INT)) {
            typeError("a duration such as 30s");
            return Optional.empty();
        }
        try {
            return Optional.of(Durations.parse(scalar()));
        } catch (IllegalArgumentException e) {
            error(e.getMessage());
            return Optional.empty();
        }
    }

    /** A duration within {@code [min, max]}; one outside is reported with the field's name, e.g. "timeout 5s". */
    Optional<Duration> duration(Duration min, Duration max) {
        return duration().filter(duration -> {
            boolean inRange = duration.compareTo(min) >= 0 && duration.compareTo(max) <= 0;
            if (!inRange) {
                error(path.substring(path.lastIndexOf('.') + 1) + " " + Durations.format(duration) + " is out of range: use "
                        + Durations.format(min) + " to " + Durations.format(max));
            }
            return inRange;
        });
    }

    /** One of a closed set of spellings, matched exactly. */
    <E> Optional<E> oneOf(Map<String, E> allowed) {
        return string().flatMap(text -> {
            E value = allowed.get(text);
            if (value == null) {
                error("invalid value \"" + text + "\"; allowed: " + String.join(", ", allowed.keySet()));
            }
            return Optional.ofNullable(value);
        });
    }

    /**
     * For a literal block scalar ({@code |}), the 1-based line its text starts on, the line after the
     * indicator: line n of the text is line {@code first + n - 1} of the file. Empty for other scalars,
     * whose lines are not the file's.
     */
    Optional<Integer> literalFirstLine() {
        return node instanceof ScalarNode scalar && scalar.getScalarStyle() == DumperOptions.ScalarStyle.LITERAL
                ? Optional.of(node.getStartMark().getLine() + 2)
                : Optional.empty();
    }

    // --- helpers -----------------------------------------------------------------------------

    private boolean isScalar(Tag tag) {
        return node instanceof ScalarNode && node.getTag().equals(tag);
    }

    private String scalar() {
        return ((ScalarNode) node).getValue();
    }

    private void typeError(String expected) {
        error("expected " + expected + ", got " + describe(node));
    }

    private String childPath(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    /** How a node reads in a message: {@code a list}, {@code the integer 12}, {@code the string "x"}. */
    static String describe(Node node) {
        if (node instanceof MappingNode) {
            return "a mapping";
        }
        if (node instanceof SequenceNode) {
            return "a list";
        }
        Tag tag = node.getTag();
        String text = ((ScalarNode) node).getValue();
        if (tag.equals(Tag.NULL)) {
            return "an empty value";
        } else if (tag.equals(Tag.BOOL)) {
            return "the boolean " + text;
        } else if (tag.equals(Tag.INT)) {
            return "the integer " + text;
        } else if (tag.equals(Tag.FLOAT)) {
            return "the number " + text;
        } else if (tag.equals(Tag.STR)) {
            return "the string \"" + text + "\"";
        }
        return "a value tagged " + tag.getValue();
    }

    private static String unknownField(String key, List<String> allowed) {
        String suggestion = allowed.stream()
                .filter(field -> closeTo(key, field))
                .findFirst()
                .map(field -> " (did you mean \"" + field + "\"?)")
                .orElse("");
        return "unknown field" + suggestion + "; allowed: " + String.join(", ", allowed);
    }

    /** A likely typo: equal ignoring case, or at most two single-character edits apart. */
    private static boolean closeTo(String typed, String field) {
        if (typed.equalsIgnoreCase(field)) {
            return true;
        }
        // Two edits change the length by two at most; a key as long as its file is no typo, and no reason to
        // fill a table of its length times the field's.
        if (Math.abs(typed.length() - field.length()) > 2) {
            return false;
        }
        int[] previous = new int[field.length() + 1];
        int[] current = new int[field.length() + 1];
        for (int j = 0; j <= field.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= typed.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= field.length(); j++) {
                int substitution = previous[j - 1] + (typed.charAt(i - 1) == field.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[field.length()] <= Math.min(2, field.length() / 3);
    }

    /** One key of a mapping and its value. */
    record Entry(String key, Value value) {

        /** Reports a problem with the key itself, pointing at the key. */
        void keyError(String message) {
            value.problems.report(value.keyMark, value.path, message);
        }
    }

    /** The known fields of a mapping. */
    static final class Fields {

        private final Value owner;
        private final Map<String, Value> values;

        private Fields(Value owner, Map<String, Value> values) {
            this.owner = owner;
            this.values = values;
        }

        Optional<Value> optional(String name) {
            return Optional.ofNullable(values.get(name));
        }

        /** The field, or empty after reporting it missing at the key of the mapping that lacks it. */
        Optional<Value> required(String name) {
            Value value = values.get(name);
            if (value == null) {
                owner.problems.report(owner.keyMark, owner.childPath(name), "required field is missing");
            }
            return Optional.ofNullable(value);
        }

        Value owner() {
            return owner;
        }
    }
}
