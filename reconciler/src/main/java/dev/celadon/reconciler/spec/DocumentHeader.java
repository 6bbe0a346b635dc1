package dev.celadon.reconciler.spec;

import dev.celadon.reconciler.spec.Value.Fields;
import org.yaml.snakeyaml.nodes.Node;

import java.util.Map;
import java.util.Optional;

/**
 * What every document starts with, read once whatever its kind: {@code apiVersion}, one rule for every kind,
 * and {@code kind}, which picks the reader of the rest ({@link Revision}).
 *
 * @param document     the whole document, for checks that point back into it
 * @param root         its top-level fields ({@link Section#DOCUMENT}), the same for every kind
 * @param errorsBefore the errors of the load before this document: it is sound when it adds none, header included
 */
record DocumentHeader(Kind kind, Value document, Fields root, int errorsBefore) {

    static final String API_VERSION = "celadon.dev/v1alpha1";
    private static final Map<String, Kind> KINDS = SharedFields.spellings(Kind.values(), Kind::yaml);

    /** The header, or empty when the document is not a mapping or names a kind there is no reader for. */
    static Optional<DocumentHeader> read(Node node, Problems problems) {
        int errorsBefore = problems.count();
        Value document = Value.document(node, problems);
        Optional<Fields> fields = document.fields(Section.DOCUMENT);
        if (fields.isEmpty()) {
            return Optional.empty();
        }
        Fields root = fields.get();
        root.required("apiVersion").ifPresent(DocumentHeader::checkApiVersion);
        Optional<Value> kindValue = root.required("kind");
        Optional<String> spelling = kindValue.flatMap(Value::string);
        if (spelling.isEmpty()) {
            // Missing or not a string (reported): read on as the kind most documents are, so that the
            // document's other errors are found in the same pass.
            return Optional.of(new DocumentHeader(Kind.PARTITION, document, root, errorsBefore));
        }
        Kind kind = KINDS.get(spelling.get());
        if (kind == null) {
            // Any other kind has other fields: reading on would only bury this one error in noise.
            kindValue.get().error("unsupported kind \"" + spelling.get() + "\"; use " + String.join(" or ", KINDS.keySet()));
            return Optional.empty();
        }
        return Optional.of(new DocumentHeader(kind, document, root, errorsBefore));
    }

    private static void checkApiVersion(Value value) {
        value.string().filter(apiVersion -> !apiVersion.equals(API_VERSION))
                .ifPresent(apiVersion -> value.error("unsupported apiVersion \"" + apiVersion + "\"; use " + API_VERSION));
    }
}
