package dev.celadon.reconciler.cli;

import dev.celadon.hypervisor.BridgeMissingException;
import dev.celadon.hypervisor.HostFileMissingException;
import dev.celadon.hypervisor.HypervisorException;
import dev.celadon.hypervisor.InvalidVmConfigException;
import dev.celadon.hypervisor.qemu.QemuHypervisor;
import dev.celadon.reconciler.spec.Partition;

import dev.celadon.reconciler.config.ConfigKeys;
import dev.celadon.reconciler.config.StartupFailure;
import dev.celadon.reconciler.spec.SpecError;
import dev.celadon.reconciler.spec.SpecLoader;
import dev.celadon.reconciler.spec.SpecRules;
import dev.celadon.reconciler.spec.SpecSet;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The command line, parsed by hand before anything else starts: {@code run} (the default) hands over
 * to Quarkus, while {@code validate DIR} runs here in plain Java, so checking a spec folder opens no
 * port, reads no configuration file and touches no Git repository or worker (with {@code --images-dir},
 * the hypervisor's host checks read the files the specs name, and create nothing). {@code status} and
 * {@code events} are clients of a running reconciler's read API ({@link ReadCommands}).
 */
public final class CommandLine {

    public static final int EXIT_OK = 0;
    public static final int EXIT_INVALID = 1;
    public static final int EXIT_USAGE = 2;

    static final String PASSTHROUGH_PROPERTY = "celadon.passthrough.allowed";
    static final String PASSTHROUGH_ENV = "CELADON_PASSTHROUGH_ALLOWED";

    static final String USAGE = """
            usage: java -jar quarkus-run.jar [run]        run the reconciler; exit 2 on a configuration error
                                                           (one KEY=VALUE: problem line per bad key on stderr)
                   java -jar quarkus-run.jar validate [--images-dir IMAGES]... DIR
                                                           check the partition specs under DIR and exit:
                                                           0 valid, 1 invalid (one FILE:LINE:COLUMN line
                                                           per error on stderr), 2 usage error; with
                                                           --images-dir, also every file a spec names
                                                           (present, inside IMAGES, backing chains)
                   java -jar quarkus-run.jar status [-o table|json] [URL]
                                                           the reconciler's status as tables (the page's
                                                           source, partitions and spec errors), or its JSON;
                                                           exit 1 when a partition failed or the newest
                                                           revision was refused or could not be fetched
                   java -jar quarkus-run.jar events [-o table|json] [--limit N] [URL]
                                                           its newest events (all kept, or N), oldest first
            URL: the status API, default http://localhost:8080. status and events exit 2 on a usage error
            or a reconciler that cannot be reached.
            validate honours celadon.passthrough.allowed (system property) or CELADON_PASSTHROUGH_ALLOWED
            (comma-separated device paths), as the reconciler does.""";

    /** What {@code main} does next. */
    public sealed interface Outcome {
    }

    /** Start the reconciler with these arguments. */
    public record RunReconciler(List<String> arguments) implements Outcome {
        public RunReconciler {
            arguments = List.copyOf(arguments);
        }
    }

    /** Exit the JVM with this status; the command has done its work. */
    public record Exit(int status) implements Outcome {
    }

    private final Map<String, String> environment;
    private final Properties systemProperties;
    private final PrintStream out;
    private final PrintStream err;
    private final ReadCommands read;

    public CommandLine(Map<String, String> environment, Properties systemProperties, PrintStream out, PrintStream err) {
        this(environment, systemProperties, out, err, ReadCommands.TIMEOUT);
    }

    /** @param readTimeout how long {@code status} and {@code events} wait for the reconciler's whole answer */
    CommandLine(Map<String, String> environment, Properties systemProperties, PrintStream out, PrintStream err,
                java.time.Duration readTimeout) {
        this.environment = environment;
        this.systemProperties = systemProperties;
        this.out = out;
        this.err = err;
        this.read = new ReadCommands(out, err, readTimeout);
    }

    public Outcome execute(List<String> args) {
        if (args.isEmpty() || args.equals(List.of("run"))) {
            return run();
        }
        return switch (args.getFirst()) {
            case "validate" -> validate(args.subList(1, args.size()));
            case "status", "events" -> read(args.getFirst(), args.subList(1, args.size()));
            case "help", "-h", "--help" -> {
                out.println(USAGE);
                yield new Exit(EXIT_OK);
            }
            case "run" -> usageError("run takes no arguments");
            default -> usageError("unknown command \"" + args.getFirst() + "\"");
        };
    }

    /** {@code status} or {@code events}: a usage error is said like any other command's. */
    private Outcome read(String command, List<String> args) {
        try {
            return new Exit(command.equals("status") ? read.status(args) : read.events(args));
        } catch (ReadCommands.UsageException e) {
            return usageError(command + ": " + e.getMessage());
        }
    }

    /** The reconciler, unless a {@code CELADON_*} variable names no key: SmallRye alone would ignore it. */
    private Outcome run() {
        List<String> unknown = ConfigKeys.unknownVariables(environment);
        if (!unknown.isEmpty()) {
            unknown.forEach(line -> err.println("celadon: " + line));
            return new Exit(StartupFailure.EXIT_CONFIG);
        }
        return new RunReconciler(List.of());
    }

    /** {@code [--images-dir IMAGES]... DIR}. */
    private Outcome validate(List<String> args) {
        List<Path> imagesDirs = new ArrayList<>();
        int i = 0;
        while (i < args.size() && args.get(i).equals("--images-dir")) {
            if (i + 1 >= args.size()) {
                return usageError("--images-dir takes a folder");
            }
            Path images = Path.of(args.get(i + 1));
            if (!Files.isDirectory(images)) {
                err.println("celadon: " + args.get(i + 1) + ": no such folder");
                return new Exit(EXIT_USAGE);
            }
            imagesDirs.add(images.toAbsolutePath());
            i += 2;
        }
        if (args.size() - i != 1) {
            return usageError("validate takes one folder");
        }
        return new Exit(validate(args.get(i), imagesDirs));
    }

    private int validate(String folder, List<Path> imagesDirs) {
        Path dir = Path.of(folder);
        if (!Files.isDirectory(dir)) {
            err.println("celadon: " + folder + ": no such folder");
            return EXIT_USAGE;
        }
        SpecSet specs;
        try {
            specs = SpecLoader.load(dir, passthroughRules());
        } catch (IOException e) {
            err.println("celadon: " + folder + ": cannot read: " + e.getMessage());
            return EXIT_USAGE;
        }
        // File names as typed on the command line, so terminals and editors can open them.
        String prefix = dir.normalize().toString().isEmpty() ? "" : folder.replaceAll("/+$", "") + "/";
        for (SpecError error : specs.errors()) {
            err.println(prefix + error);
        }
        if (!specs.isValid()) {
            return EXIT_INVALID;
        }
        if (!imagesDirs.isEmpty()) {
            List<String> hostErrors = hostErrors(specs, imagesDirs);
            hostErrors.forEach(line -> err.println(prefix + line));
            if (!hostErrors.isEmpty()) {
                return EXIT_INVALID;
            }
        }
        int count = specs.partitions().size();
        out.println(count + (count == 1 ? " partition valid" : " partitions valid"));
        return EXIT_OK;
    }

    /** What the hypervisor would refuse on this host for the files the specs name, as spec errors are written. */
    private List<String> hostErrors(SpecSet specs, List<Path> imagesDirs) {
        List<String> lines = new ArrayList<>();
        for (Partition partition : specs.partitions()) {
            try {
                QemuHypervisor.checkHost(partition.vm(), imagesDirs, passthroughRules().passthroughAllowed());
            } catch (InvalidVmConfigException e) {
                lines.add(partition.source() + ": spec." + e.field() + ": " + e.problem());
            } catch (HostFileMissingException e) {
                lines.add(partition.source() + ": spec." + e.field() + ": " + e.problem());
            } catch (BridgeMissingException e) {
                lines.add(partition.source() + ": spec." + e.field() + ": " + e.problem());
            } catch (HypervisorException e) {
                lines.add(partition.source() + ": " + e.getMessage());
            }
        }
        return lines;
    }

    /** The same setting the reconciler reads, from the two sources that exist before Quarkus does. */
    SpecRules passthroughRules() {
        String value = systemProperties.getProperty(PASSTHROUGH_PROPERTY, environment.getOrDefault(PASSTHROUGH_ENV, ""));
        return new SpecRules(Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList());
    }

    private Exit usageError(String problem) {
        err.println("celadon: " + problem);
        err.println(USAGE);
        return new Exit(EXIT_USAGE);
    }
}
