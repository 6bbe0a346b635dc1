package dev.celadon.reconciler.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.PathType;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.celadon.hypervisor.Firmware;
import dev.celadon.hypervisor.GuestProfile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keeps {@code partitions.d/partition.schema.json}, which editors use, in step with the parser,
 * which decides. Both see the same YAML 1.2 data model: documents are composed by the parser's own
 * composer and handed to the schema validator as JSON.
 */
class SchemaAgreementTest {

    static final Path SCHEMA_FILE = RepositoryRoot.find().resolve("partitions.d/partition.schema.json");
    static final JsonSchema SCHEMA = loadSchema();

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.celadon.reconciler.spec.Fixtures#valid")
    void theSchemaAcceptsWhatTheParserAccepts(Path file) {
        assertThat(Fixtures.parse(file).errors()).isEmpty();
        assertThat(schemaErrors(file)).as("schema errors for %s", file.getFileName()).hasValue(List.of());
    }

    /**
     * Each file the parser rejects, the schema rejects too, at the same place: every parser error
     * lies at, inside or around a place the schema flags. Files marked {@code # schema: accepts}
     * hold only what no schema can express, and the schema must accept them.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.celadon.reconciler.spec.Fixtures#invalid")
    void theSchemaRejectsWhatTheParserRejects(Path file) {
        List<SpecError> parserErrors = Fixtures.parse(file).errors();
        Optional<List<String>> schemaErrors = schemaErrors(file);
        assertThat(parserErrors).isNotEmpty();

        if (Fixtures.schemaAccepts(file)) {
            assertThat(schemaErrors).as("schema errors for %s", file.getFileName()).hasValue(List.of());
            return;
        }
        if (schemaErrors.isEmpty()) {
            return;     // not YAML that maps to JSON (syntax error, duplicate key): no editor accepts it either
        }
        List<String> flagged = schemaErrors.get();
        for (SpecError error : parserErrors) {
            String pointer = pointer(error.field());
            assertThat(flagged)
                    .as("%s: the schema should flag %s", file.getFileName(), error)
                    .anyMatch(at -> related(at, pointer));
        }
    }

    /**
     * Each kind's mappings in the schema ({@code $defs/partition}, {@code $defs/appliance}) allow exactly the
     * fields the parser allows for that kind, in the same order.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Kind.class)
    void theSchemaDescribesTheParsersFields(Kind kind) throws IOException {
        Map<String, List<String>> schemaSections = new LinkedHashMap<>();
        JsonNode schema = new ObjectMapper().readTree(SCHEMA_FILE.toFile());
        collectSections(schema, definition(schema, kind), "", schemaSections);

        Map<String, List<String>> parserSections = new LinkedHashMap<>();
        for (Section section : Section.values()) {
            if (section.kinds.contains(kind)) {
                parserSections.put(section.path, section.fields);
            }
        }
        assertThat(schemaSections).containsExactlyInAnyOrderEntriesOf(parserSections);
    }

    /** The schema reads a document by its kind as the parser does: the kinds it knows, each to its definition. */
    @Test
    void theSchemaDispatchesOnTheParsersKinds() throws IOException {
        JsonNode schema = new ObjectMapper().readTree(SCHEMA_FILE.toFile());

        assertThat(strings(schema.at("/properties/kind/enum"))).containsExactlyElementsOf(spellings(Kind.values(), Kind::yaml));
        for (Kind kind : Kind.values()) {
            assertThat(definition(schema, kind).at("/properties/kind/const").asText()).isEqualTo(kind.yaml());
        }
        assertThat(schema.at("/if/properties/kind/const").asText()).isEqualTo(Kind.APPLIANCE.yaml());
        assertThat(schema.at("/then/$ref").asText()).isEqualTo("#/$defs/appliance");
        assertThat(schema.at("/else/$ref").asText()).isEqualTo("#/$defs/partition");
    }

    @Test
    void theSchemaSpellsEveryEnumAsTheParserDoes() throws IOException {
        JsonNode root = new ObjectMapper().readTree(SCHEMA_FILE.toFile());
        JsonNode spec = definition(root, Kind.PARTITION).at("/properties/spec/properties");

        assertThat(strings(spec.at("/runState/enum"))).containsExactlyElementsOf(spellings(RunState.values(), RunState::yaml));
        assertThat(strings(spec.at("/restartPolicy/enum"))).containsExactlyElementsOf(spellings(RestartPolicy.values(), RestartPolicy::yaml));
        assertThat(strings(spec.at("/deletionPolicy/enum"))).containsExactlyElementsOf(spellings(DeletionPolicy.values(), DeletionPolicy::yaml));
        assertThat(strings(spec.at("/guest/properties/profile/enum"))).containsExactlyElementsOf(spellings(GuestProfile.values(), SchemaAgreementTest::lower));
        assertThat(strings(spec.at("/boot/properties/firmware/enum"))).containsExactlyElementsOf(spellings(Firmware.values(), SchemaAgreementTest::lower));
        assertThat(strings(definition(root, Kind.APPLIANCE).at("/properties/spec/properties/maintenanceWindow/properties/days/items/enum")))
                .containsExactlyElementsOf(ApplianceReader.DAYS.keySet());
    }

    // --- schema side -------------------------------------------------------------------------

    private static JsonSchema loadSchema() {
        SchemaValidatorsConfig config = SchemaValidatorsConfig.builder().pathType(PathType.JSON_POINTER).build();
        try {
            return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
                    .getSchema(new ObjectMapper().readTree(SCHEMA_FILE.toFile()), config);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The places (JSON pointers) the schema flags in any document of the file; empty when it is not JSON-shaped. */
    static Optional<List<String>> schemaErrors(Path file) {
        Problems problems = new Problems(file.getFileName().toString(), new ErrorLog());
        List<Node> documents = new ArrayList<>();
        YamlDocuments.read(Fixtures.read(file), problems, documents::add);
        if (problems.count() > 0) {
            return Optional.empty();
        }
        List<String> flagged = new ArrayList<>();
        for (Node document : documents) {
            Optional<JsonNode> json = toJson(document);
            if (json.isEmpty()) {
                return Optional.empty();
            }
            for (ValidationMessage message : SCHEMA.validate(json.get())) {
                // A missing or unknown field is reported at its mapping; point at the field itself.
                String property = message.getProperty();
                flagged.add(message.getInstanceLocation() + (property == null ? "" : "/" + property));
            }
        }
        return Optional.of(flagged);
    }

    /** The document as JSON, or empty when it has no JSON form (duplicate keys, other tags). */
    private static Optional<JsonNode> toJson(Node node) {
        JsonNodeFactory json = JsonNodeFactory.instance;
        if (node instanceof MappingNode mapping) {
            ObjectNode object = json.objectNode();
            for (NodeTuple tuple : mapping.getValue()) {
                Optional<JsonNode> value = toJson(tuple.getValueNode());
                if (!(tuple.getKeyNode() instanceof ScalarNode key) || object.has(key.getValue()) || value.isEmpty()) {
                    return Optional.empty();
                }
                object.set(key.getValue(), value.get());
            }
            return Optional.of(object);
        }
        if (node instanceof SequenceNode sequence) {
            var array = json.arrayNode();
            for (Node item : sequence.getValue()) {
                Optional<JsonNode> value = toJson(item);
                if (value.isEmpty()) {
                    return Optional.empty();
                }
                array.add(value.get());
            }
            return Optional.of(array);
        }
        String text = ((ScalarNode) node).getValue();
        Tag tag = node.getTag();
        if (tag.equals(Tag.STR)) {
            return Optional.of(json.textNode(text));
        } else if (tag.equals(Tag.INT)) {
            return Optional.of(json.numberNode(new BigInteger(text)));
        } else if (tag.equals(Tag.FLOAT)) {
            return Optional.of(json.numberNode(new BigDecimal(text)));
        } else if (tag.equals(Tag.BOOL)) {
            return Optional.of(json.booleanNode(Boolean.parseBoolean(text)));
        } else if (tag.equals(Tag.NULL)) {
            return Optional.of(json.nullNode());
        }
        return Optional.empty();
    }

    /** Walks the schema's object types, following {@code $ref}, collecting each section's property names. */
    private static void collectSections(JsonNode root, JsonNode schema, String path, Map<String, List<String>> sections) {
        JsonNode resolved = schema.has("$ref") ? root.at(schema.get("$ref").asText().substring(1)) : schema;
        if (resolved.has("items")) {
            collectSections(root, resolved.get("items"), path + "[]", sections);
        }
        if (!resolved.has("properties")) {
            return;
        }
        assertThat(resolved.path("additionalProperties").isBoolean() && !resolved.get("additionalProperties").asBoolean())
                .as("%s must set additionalProperties: false", path).isTrue();
        List<String> names = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = resolved.get("properties").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> property = it.next();
            names.add(property.getKey());
            collectSections(root, property.getValue(), path.isEmpty() ? property.getKey() : path + "." + property.getKey(), sections);
        }
        sections.put(path, names);
    }

    // --- helpers -----------------------------------------------------------------------------

    /** The schema of one kind of document: {@code $defs/partition}, {@code $defs/appliance}. */
    private static JsonNode definition(JsonNode schema, Kind kind) {
        return schema.at("/$defs/" + lower(kind));
    }

    /** {@code spec.disks[0].name} → {@code /spec/disks/0/name}. */
    private static String pointer(String field) {
        return field.isEmpty() ? "" : "/" + field.replaceAll("\\[(\\d+)]", ".$1").replace('.', '/');
    }

    /** The same place, or one inside the other (a mapping's {@code oneOf} against the field that breaks it). */
    private static boolean related(String flagged, String pointer) {
        return pointer.equals(flagged) || (!flagged.isEmpty() && pointer.startsWith(flagged + "/")) || flagged.startsWith(pointer + "/");
    }

    private static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(value -> values.add(value.asText()));
        return values;
    }

    private static <E> List<String> spellings(E[] values, Function<E, String> spelling) {
        return Arrays.stream(values).map(spelling).toList();
    }

    private static String lower(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }
}
