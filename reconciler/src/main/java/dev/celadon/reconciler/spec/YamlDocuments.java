package dev.celadon.reconciler.spec;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.composer.Composer;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.parser.Parser;
import org.yaml.snakeyaml.parser.ParserImpl;
import org.yaml.snakeyaml.reader.ReaderException;
import org.yaml.snakeyaml.reader.StreamReader;
import org.yaml.snakeyaml.resolver.Resolver;

import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Composes the YAML documents of one file into SnakeYAML nodes, which keep their line and column.
 * Nothing is constructed into Java objects here: no tags are honoured, no classes instantiated.
 */
final class YamlDocuments {

    private YamlDocuments() {
    }

    /**
     * Composes the non-empty documents of a file one at a time, each handed to {@code reader} and
     * dropped before the next is composed, so a file's nodes are never all held at once. A syntax
     * error or a passed {@link InputLimits} limit becomes a {@link SpecError} and ends the file: the
     * documents before it have been read. Reading also ends when {@code reader} answers false.
     */
    static void read(String content, Problems problems, Predicate<Node> reader) {
        LoaderOptions options = new LoaderOptions();
        // BoundedParser counts every alias as what it stands for, scalars too; SnakeYAML's own count of
        // collection aliases would only refuse files of many small documents that each alias a block.
        options.setMaxAliasesForCollections(Integer.MAX_VALUE);
        try {
            StreamReader stream = new StreamReader(content);
            Parser parser = new BoundedParser(new ReaderFailures(new ParserImpl(stream, options), stream), content.length());
            Composer composer = new Composer(parser, new CoreSchemaResolver(), options);
            while (composer.checkNode()) {
                Node document = composer.getNode();
                if (!isEmpty(document) && !reader.test(document)) {
                    return;
                }
            }
        } catch (BoundedParser.Refused e) {
            problems.report(e.mark(), "", e.getMessage());
        } catch (MarkedYAMLException e) {
            Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            problems.report(mark, "", "invalid YAML: " + describe(e));
        } catch (ReaderException e) {
            problems.report(position(problems.file(), content, e.getPosition()), "",
                    "invalid YAML: character U+%04X is not allowed".formatted(e.getCodePoint()));
        } catch (YAMLException e) {
            problems.report(new SourceLocation(problems.file(), 1, 1), "", "invalid YAML: " + e.getMessage());
        }
    }

    private static boolean isEmpty(Node document) {
        return document instanceof ScalarNode scalar && scalar.getTag().equals(Tag.NULL);
    }

    private static String describe(MarkedYAMLException e) {
        String problem = e.getProblem() == null ? "syntax error" : e.getProblem();
        if (e.getContext() == null) {
            return problem;
        }
        Mark context = e.getContextMark();
        return context == null || context.equals(e.getProblemMark())
                ? problem + " (" + e.getContext() + ")"
                : problem + " (" + e.getContext() + " at line " + (context.getLine() + 1) + ", column " + (context.getColumn() + 1) + ")";
    }

    /** SnakeYAML's reader reports a character index, not a line. */
    private static SourceLocation position(String file, String content, int index) {
        int line = 1;
        int column = 1;
        for (int i = 0; i < Math.min(index, content.length()); i++) {
            if (content.charAt(i) == '\n') {
                line++;
                column = 1;
            } else {
                column++;
            }
        }
        return new SourceLocation(file, line, column);
    }

    /**
     * The YAML 1.2 core schema, which editors and most tools use, instead of SnakeYAML's YAML 1.1
     * defaults: {@code yes}, {@code on} and {@code 0000:03:00.0} are strings, not a boolean and a
     * sexagesimal number. Integers are decimal only; {@code <<} is an ordinary key, not a merge.
     */
    static final class CoreSchemaResolver extends Resolver {

        static final Pattern BOOLEAN = Pattern.compile("true|True|TRUE|false|False|FALSE");
        static final Pattern INTEGER = Pattern.compile("[-+]?[0-9]+");
        static final Pattern FLOATING = Pattern.compile(
                "[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?|[-+]?\\.(inf|Inf|INF)|\\.(nan|NaN|NAN)");
        static final Pattern NULL_VALUE = Pattern.compile("~|null|Null|NULL|");

        @Override
        protected void addImplicitResolvers() {
            addImplicitResolver(Tag.BOOL, BOOLEAN, "tTfF");
            addImplicitResolver(Tag.INT, INTEGER, "-+0123456789");
            addImplicitResolver(Tag.FLOAT, FLOATING, "-+0123456789.");
            addImplicitResolver(Tag.NULL, NULL_VALUE, "~nN\0");
        }
    }
}
