package dev.celadon.reconciler.loop;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import dev.celadon.hypervisor.qemu.VmConfigJson;
import dev.celadon.reconciler.plan.Trial;

import java.io.IOException;
import java.time.Instant;

/**
 * A {@link Trial} in the ledger file, written out by hand: its previous machine as the hypervisor writes a
 * worker's config ({@link VmConfigJson}), so the SPI records stay free of Jackson. An entry without a trial
 * has no {@code trial} field, so ledgers written before rollouts read the same and are written the same.
 */
final class TrialJson {

    private TrialJson() {
    }

    /** A copy of {@code mapper} that reads and writes ledger entries with their trials. */
    static ObjectMapper ledgerMapper(ObjectMapper mapper) {
        ObjectMapper copy = mapper.copy().registerModule(new SimpleModule("celadon-trial")
                .addSerializer(Trial.class, new Writer())
                .addDeserializer(Trial.class, new Reader()));
        copy.configOverride(Trial.class).setInclude(JsonInclude.Value.construct(JsonInclude.Include.NON_NULL, null));
        return copy;
    }

    private static final class Writer extends StdSerializer<Trial> {
        Writer() {
            super(Trial.class);
        }

        @Override
        public void serialize(Trial trial, JsonGenerator out, SerializerProvider provider) throws IOException {
            ObjectNode node = ((ObjectMapper) out.getCodec()).createObjectNode();
            node.put("phase", trial.phase().name());
            node.put("action", trial.action());
            node.put("change", trial.change());
            node.put("revision", trial.revision());
            node.put("tried", trial.tried());
            node.set("previous", VmConfigJson.toJson(trial.previous()));
            node.put("previousRevision", trial.previousRevision());
            node.put("since", trial.since().toString());
            node.put("deadline", trial.deadline().toString());
            node.put("reason", trial.reason());
            node.put("message", trial.message());
            node.put("at", trial.at() == null ? null : trial.at().toString());
            out.writeTree(node);
        }
    }

    private static final class Reader extends StdDeserializer<Trial> {
        Reader() {
            super(Trial.class);
        }

        @Override
        public Trial deserialize(JsonParser parser, DeserializationContext context) throws IOException {
            JsonNode node = parser.readValueAsTree();
            try {
                return new Trial(Trial.Phase.valueOf(node.path("phase").asText()), text(node, "action"),
                        text(node, "change"), text(node, "revision"), text(node, "tried"),
                        VmConfigJson.fromJson(required(node, "previous")), text(node, "previousRevision"),
                        Instant.parse(required(node, "since").asText()), Instant.parse(required(node, "deadline").asText()),
                        text(node, "reason"), text(node, "message"),
                        node.hasNonNull("at") ? Instant.parse(node.path("at").asText()) : null);
            } catch (RuntimeException e) {
                // Not a trial this version wrote: the entry is not whole, and the ledger says so.
                throw JsonMappingException.from(parser, "not a trial: " + e.getMessage(), e);
            }
        }

        private static JsonNode required(JsonNode node, String field) {
            if (!node.hasNonNull(field)) {
                throw new IllegalArgumentException("no " + field);
            }
            return node.get(field);
        }

        private static String text(JsonNode node, String field) {
            return node.hasNonNull(field) ? node.get(field).asText() : null;
        }
    }
}
