package dev.celadon.reconciler.spec;

import org.yaml.snakeyaml.nodes.Node;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One revision being read, file after file in name order: its partitions and Appliance documents, its
 * errors, the claims that must be unique across its documents, and what it has used of {@link InputLimits}.
 * A limit of one file is reported and that file skipped; a limit of the whole revision is reported where it
 * was passed, and nothing after it is read.
 */
final class Revision {

    private final SpecRules rules;
    private final SpecFiles files;
    private final ErrorLog errors = new ErrorLog();
    private final List<Partition> partitions = new ArrayList<>();
    private final List<ApplianceSpec> appliances = new ArrayList<>();
    private final Map<String, Claim> names = new HashMap<>();
    private final Map<String, Claim> hostPorts = new HashMap<>();
    private final Map<String, Claim> applianceNames = new HashMap<>();
    private long bytes;
    private int documents;
    private long kept;
    private boolean stopped;

    Revision(SpecRules rules, SpecFiles files) {
        this.rules = rules;
        this.files = files;
    }

    /** Whether reading has stopped at a limit of the whole revision; later files are not read. */
    boolean stopped() {
        return stopped || errors.full();
    }

    /** An error with a file as a whole. */
    void reject(String file, String message) {
        errors.add(new SpecError(file, 1, 1, "", message));
    }

    /** Reports a limit of the revision as a whole, at the file where it was passed: nothing more is read. */
    void refuse(String file, String message) {
        reject(file, message);
        stopped = true;
    }

    /**
     * Counts a file of {@code size} bytes against the size limits, before it is read. False, with the
     * limit reported, when it must not be read.
     */
    boolean admit(String file, long size) {
        if (size > InputLimits.MAX_FILE_BYTES) {
            reject(file, String.format(Locale.ROOT, "the file has %,d bytes; a spec file may have at most %,d (%s): split it",
                    size, InputLimits.MAX_FILE_BYTES, Quantities.format(InputLimits.MAX_FILE_BYTES)));
            return false;
        }
        bytes += size;
        if (bytes > InputLimits.MAX_REVISION_BYTES) {
            refuse(file, String.format(Locale.ROOT,
                    "the spec files up to this one have %,d bytes; a revision may have at most %,d (%s), and the rest is not read",
                    bytes, InputLimits.MAX_REVISION_BYTES, Quantities.format(InputLimits.MAX_REVISION_BYTES)));
            return false;
        }
        return true;
    }

    /** Reads an admitted file's bytes, which must be UTF-8. */
    void read(String file, byte[] content) {
        String text;
        try {
            // A strict decoder: a malformed byte is an error, not a silent replacement character.
            text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(content)).toString();
        } catch (CharacterCodingException e) {
            reject(file, "is not valid UTF-8 text");
            return;
        }
        Problems problems = new Problems(file, errors);
        YamlDocuments.read(text, problems, document -> readDocument(document, problems));
    }

    /** The partitions and the Appliance documents by name, and the errors by file, line and column. */
    SpecSet result() {
        if (!stopped()) {
            DependencyGraph.check(partitions, names.keySet(), errors);
        }
        return new SpecSet(partitions.stream().sorted(Comparator.comparing(Partition::name)).toList(),
                appliances.stream().sorted(Comparator.comparing(ApplianceSpec::name)).toList(), errors.sorted());
    }

    /** Reads one document; false when reading must stop. */
    private boolean readDocument(Node document, Problems problems) {
        if (++documents > InputLimits.MAX_DOCUMENTS) {
            problems.report(document.getStartMark(), "", String.format(Locale.ROOT,
                    "the revision has more than %,d documents (partitions and Appliance documents); this one and the rest are"
                            + " not read", InputLimits.MAX_DOCUMENTS));
            stopped = true;
            return false;
        }
        DocumentHeader.read(document, problems).ifPresent(header -> {
            switch (header.kind()) {
                case PARTITION -> readPartition(header, problems);
                case APPLIANCE -> readAppliance(header, problems);
            }
        });
        return !stopped();
    }

    private void readPartition(DocumentHeader header, Problems problems) {
        PartitionReader.Result result = PartitionReader.read(header, problems, rules, files);
        boolean unique = result.name().map(name -> claim(names, name, problems,
                "duplicate partition name \"%s\"; already defined at %s")).orElse(true);
        for (Claim port : result.hostPorts()) {
            claim(hostPorts, port, problems,
                    "host port %s is already forwarded at %s; a host port can be forwarded once per appliance");
        }
        if (unique && result.partition().isPresent() && keep(Footprint.of(result.partition().get()), header, problems)) {
            partitions.add(result.partition().get());
        }
    }

    /** Appliance documents have names of their own: a partition and an Appliance document may share one. */
    private void readAppliance(DocumentHeader header, Problems problems) {
        ApplianceReader.Result result = ApplianceReader.read(header, problems);
        boolean unique = result.name().map(name -> claim(applianceNames, name, problems,
                "duplicate Appliance name \"%s\"; already defined at %s")).orElse(true);
        if (unique && result.appliance().isPresent() && keep(Footprint.of(result.appliance().get()), header, problems)) {
            appliances.add(result.appliance().get());
        }
    }

    /** Counts what a sound document keeps against the memory limit; false, with the limit reported, past it. */
    private boolean keep(long footprint, DocumentHeader header, Problems problems) {
        kept += footprint;
        if (kept > InputLimits.MAX_KEPT_BYTES) {
            problems.report(header.document().at(), "", String.format(Locale.ROOT,
                    "the documents up to this one would take more than %,d bytes (%s) of the reconciler's memory;"
                            + " this one and the rest are not read (docs/design.md: Input limits)",
                    InputLimits.MAX_KEPT_BYTES, Quantities.format(InputLimits.MAX_KEPT_BYTES)));
            stopped = true;
            return false;
        }
        return true;
    }

    /** Records the first claim of a value and reports every later one, pointing back at the first. */
    private static boolean claim(Map<String, Claim> claims, Claim claim, Problems problems, String duplicateMessage) {
        Claim first = claims.putIfAbsent(claim.value(), claim);
        if (first == null) {
            return true;
        }
        problems.report(claim.at(), claim.field(), duplicateMessage.formatted(claim.value(), first.at()));
        return false;
    }
}
