package dev.celadon.reconciler.spec;

import dev.celadon.hypervisor.CloudInit;
import dev.celadon.hypervisor.PartitionName;
import dev.celadon.reconciler.spec.Value.Fields;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.composer.Composer;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.parser.ParserImpl;
import org.yaml.snakeyaml.reader.ReaderException;
import org.yaml.snakeyaml.reader.StreamReader;
import org.yaml.snakeyaml.resolver.Resolver;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;

/**
 * Reads {@code spec.cloudInit} (DESIGN.md §3 "cloud-init"): the user-data inline or from a file of the
 * spec folder, and the network config. What the guest's cloud-init would fail on is a FILE:LINE error here,
 * where the committer can still fix it: a {@code #cloud-config} user-data or a network config that is not
 * one YAML mapping. The error points at the line inside the spec's literal block ({@code |}) or inside the
 * user-data file.
 */
final class CloudInitReader {

    /** How cloud-init recognises cloud-config user-data: its first line. */
    static final String CLOUD_CONFIG = "#cloud-config";

    /** The files as the spec gives them; the seed is made of them once the partition's name is known. */
    record Content(String userData, Optional<String> networkConfig) {

        CloudInit seed(PartitionName name) {
            return CloudInit.of(name, userData, networkConfig);
        }
    }

    private final Problems problems;
    private final SpecFiles files;

    private CloudInitReader(Problems problems, SpecFiles files) {
        this.problems = problems;
        this.files = files;
    }

    /** The content, or empty when something was reported. */
    static Optional<Content> read(Value value, Problems problems, SpecFiles files) {
        return value.fields(Section.CLOUD_INIT).flatMap(fields -> new CloudInitReader(problems, files).read(fields));
    }

    private Optional<Content> read(Fields fields) {
        Optional<Value> inline = fields.optional("userData");
        Optional<Value> file = fields.optional("userDataFile");
        if (inline.isPresent() && file.isPresent()) {
            fields.owner().error("set either userData (the text) or userDataFile (a file next to the spec), not both");
            return Optional.empty();
        }
        Optional<String> userData = inline.isPresent() ? inline.flatMap(this::inlineUserData)
                : file.isPresent() ? file.flatMap(this::userDataFile)
                : Optional.of("");
        Optional<Value> network = fields.optional("networkConfig");
        Optional<Optional<String>> networkConfig = network.isPresent()
                ? network.flatMap(this::networkConfig).map(Optional::of)
                : Optional.of(Optional.empty());
        if (userData.isEmpty() || networkConfig.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Content(userData.get(), networkConfig.get()));
    }

    private Optional<String> inlineUserData(Value value) {
        return value.string().filter(text -> fits(value, text, InputLimits.MAX_USER_DATA_BYTES)
                && (!isCloudConfig(text) || yamlMapping(value, text, "a #cloud-config user-data")));
    }

    private Optional<String> userDataFile(Value value) {
        return value.string().flatMap(path -> {
            SpecFiles.Text text;
            try {
                text = files.read(problems.file(), path, InputLimits.MAX_USER_DATA_BYTES);
            } catch (SpecFiles.Refused e) {
                value.error(e.getMessage());
                return Optional.empty();
            }
            if (isCloudConfig(text.text())) {
                Optional<YamlProblem> problem = yamlProblem(text.text(), "a #cloud-config user-data");
                if (problem.isPresent()) {
                    problems.report(new SourceLocation(text.name(), problem.get().line(), problem.get().column()), value.path(),
                            problem.get().message());
                    return Optional.empty();
                }
            }
            return Optional.of(text.text());
        });
    }

    private Optional<String> networkConfig(Value value) {
        return value.string().filter(text -> fits(value, text, InputLimits.MAX_NETWORK_CONFIG_BYTES)
                && yamlMapping(value, text, "a network config"));
    }

    private static boolean isCloudConfig(String userData) {
        return userData.lines().findFirst().map(String::strip).filter(CLOUD_CONFIG::equals).isPresent();
    }

    private static boolean fits(Value value, String text, int maxBytes) {
        int bytes = text.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > maxBytes) {
            value.error(String.format(Locale.ROOT, "has %,d bytes in UTF-8; at most %,d (%s)", bytes, maxBytes, Quantities.format(maxBytes)));
            return false;
        }
        return true;
    }

    /** Reports the text's first YAML problem at its line in the spec; true when it has none. */
    private boolean yamlMapping(Value value, String text, String what) {
        Optional<YamlProblem> problem = yamlProblem(text, what);
        problem.ifPresent(p -> {
            Optional<Integer> firstLine = value.literalFirstLine();
            if (firstLine.isPresent()) {
                problems.report(new SourceLocation(problems.file(), firstLine.get() + p.line() - 1, p.column()), value.path(), p.message());
            } else {
                // A quoted or folded scalar's lines are not the text's: say which line of the text.
                value.error(p.message() + " (line " + p.line() + " of the text; a literal block, |, shows the spec's own line)");
            }
        });
        return problem.isEmpty();
    }

    /** A problem at a 1-based line and column of a text. */
    record YamlProblem(int line, int column, String message) {
    }

    /**
     * The first reason the guest's cloud-init (PyYAML's {@code safe_load}) would not read {@code text} as one
     * YAML mapping. Only composed, never constructed: aliases stay shared nodes, so a few kilobytes cannot
     * expand into gigabytes here.
     */
    static Optional<YamlProblem> yamlProblem(String text, String what) {
        LoaderOptions options = new LoaderOptions();
        options.setMaxAliasesForCollections(Integer.MAX_VALUE);
        try {
            StreamReader stream = new StreamReader(text);
            Composer composer = new Composer(new ReaderFailures(new ParserImpl(stream, options), stream), new Resolver(), options);
            Node document = null;
            while (composer.checkNode()) {
                Node next = composer.getNode();
                if (document != null) {
                    return Optional.of(at(next.getStartMark(), what + " is one YAML document; this is a second one"));
                }
                document = next;
            }
            boolean empty = document == null || document instanceof ScalarNode scalar && scalar.getTag().equals(Tag.NULL);
            if (!empty && !(document instanceof MappingNode)) {
                return Optional.of(at(document.getStartMark(), what + " must be a YAML mapping (key: value lines), not "
                        + Value.describe(document)));
            }
            return Optional.empty();
        } catch (MarkedYAMLException e) {
            Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            String problem = e.getProblem() == null ? "syntax error" : e.getProblem();
            if (mark == null) {
                return Optional.of(new YamlProblem(1, 1, what + " is not valid YAML: " + problem));
            }
            // The end of a text that ends with a line break is a line past its last: point at the last.
            int lines = (int) Math.max(1, text.lines().count());
            return Optional.of(mark.getLine() + 1 > lines
                    ? new YamlProblem(lines, 1, what + " is not valid YAML: " + problem)
                    : at(mark, what + " is not valid YAML: " + problem));
        } catch (ReaderException e) {
            int line = (int) text.substring(0, Math.min(e.getPosition(), text.length())).chars().filter(c -> c == '\n').count() + 1;
            return Optional.of(new YamlProblem(line, 1, what + " is not valid YAML: character U+%04X is not allowed".formatted(e.getCodePoint())));
        } catch (YAMLException e) {
            return Optional.of(new YamlProblem(1, 1, what + " is not valid YAML: " + e.getMessage()));
        }
    }

    private static YamlProblem at(Mark mark, String message) {
        return new YamlProblem(mark.getLine() + 1, mark.getColumn() + 1, message);
    }
}
