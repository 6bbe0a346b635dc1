package dev.celadon.reconciler.spec;

import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.events.AliasEvent;
import org.yaml.snakeyaml.events.Event;
import org.yaml.snakeyaml.events.NodeEvent;
import org.yaml.snakeyaml.events.ScalarEvent;
import org.yaml.snakeyaml.parser.Parser;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * SnakeYAML's parser, with what its events compose to counted against {@link InputLimits} as the
 * composer takes them: the nodes of each document, and what aliases add to the file. An alias is
 * counted as everything it stands for, scalars included; SnakeYAML itself counts only aliases of
 * collections, and not their size. A limit passed, or an alias to a node that contains it, ends the
 * file with {@link Refused} at the event's position, before the composer builds anything more.
 */
final class BoundedParser implements Parser {

    /** What a node stands for written out: its nodes, and the characters of their scalars. */
    private record Extent(long nodes, long characters) {
    }

    /** A mapping or list being composed: its anchor, and the document's count when it began. */
    private record Open(String anchor, long nodes, long characters) {
    }

    private final Parser parser;
    private final long aliasBudget;
    /** Each anchor of the current document: its {@link Extent}, or its {@link Open} collection while composed. */
    private final Map<String, Object> anchors = new HashMap<>();
    private final Deque<Open> open = new ArrayDeque<>();
    private long nodes;
    private long characters;
    private long aliasAdded;

    /** @param fileLength the file's length in characters, to which its aliases may add (MAX_EXPANSION - 1) times as much */
    BoundedParser(Parser parser, int fileLength) {
        this.parser = parser;
        this.aliasBudget = (long) fileLength * (InputLimits.MAX_EXPANSION - 1);
    }

    @Override
    public boolean checkEvent(Event.ID choice) {
        return parser.checkEvent(choice);
    }

    @Override
    public Event peekEvent() {
        return parser.peekEvent();
    }

    @Override
    public Event getEvent() {
        Event event = parser.getEvent();
        switch (event.getEventId()) {
            case DocumentStart -> {
                // Anchors are per document, as in the composer.
                anchors.clear();
                nodes = 0;
                characters = 0;
            }
            case Scalar -> {
                ScalarEvent scalar = (ScalarEvent) event;
                Extent extent = new Extent(1, scalar.getValue().length());
                count(event, extent);
                if (scalar.getAnchor() != null) {
                    anchors.put(scalar.getAnchor(), extent);
                }
            }
            case SequenceStart, MappingStart -> {
                Open collection = new Open(((NodeEvent) event).getAnchor(), nodes, characters);
                count(event, new Extent(1, 0));
                open.push(collection);
                if (collection.anchor() != null) {
                    anchors.put(collection.anchor(), collection);
                }
            }
            case SequenceEnd, MappingEnd -> {
                Open collection = open.pop();
                // Unless redefined inside, as the composer has it: an alias after this one means the inner node.
                if (collection.anchor() != null && anchors.get(collection.anchor()) == collection) {
                    anchors.put(collection.anchor(), new Extent(nodes - collection.nodes(), characters - collection.characters()));
                }
            }
            case Alias -> alias((AliasEvent) event);
            default -> {
            }
        }
        return event;
    }

    private void alias(AliasEvent alias) {
        Object target = anchors.get(alias.getAnchor());
        if (target instanceof Open) {
            throw new Refused(alias.getStartMark(), "the alias *" + alias.getAnchor()
                    + " stands for a node that contains it; a spec cannot be a recursive structure");
        }
        if (target instanceof Extent extent) {
            aliasAdded += extent.nodes() + extent.characters();
            if (aliasAdded > aliasBudget) {
                throw new Refused(alias.getStartMark(), String.format(Locale.ROOT,
                        "written out, its aliases would make this file more than %d times as long; use fewer or smaller aliases",
                        InputLimits.MAX_EXPANSION));
            }
            count(alias, extent);
        }
        // An undefined alias is the composer's to report.
    }

    private void count(Event event, Extent extent) {
        nodes += extent.nodes();
        characters += extent.characters();
        if (nodes > InputLimits.MAX_DOCUMENT_NODES) {
            throw new Refused(event.getStartMark(), String.format(Locale.ROOT,
                    "this document has more than %,d YAML nodes (mappings, lists, keys and values, an alias counting as what it stands for); a partition has about 100",
                    InputLimits.MAX_DOCUMENT_NODES));
        }
    }

    /** A limit passed, or a recursive alias, at the event where it was. */
    static final class Refused extends RuntimeException {

        private final transient Mark mark;

        Refused(Mark mark, String message) {
            super(message, null, false, false);
            this.mark = mark;
        }

        Mark mark() {
            return mark;
        }
    }
}
