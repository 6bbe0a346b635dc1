package dev.celadon.hypervisor.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Golden files for QEMU command lines in libvirt's {@code .args} style: one option and its value per
 * line, continued with {@code \}, values shell-quoted where needed, so a diff shows exactly which
 * option changed. Run with {@code -Dceladon.golden.update=true} to rewrite them after a deliberate change.
 */
final class GoldenArgs {

    private static final Path DIR = Path.of("src/test/resources/golden");
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_,=.:/@+%-]+");

    private GoldenArgs() {
    }

    static String render(List<String> argv) {
        StringBuilder out = new StringBuilder(quote(argv.getFirst()));
        for (int i = 1; i < argv.size(); i++) {
            String arg = argv.get(i);
            boolean option = arg.startsWith("-");
            out.append(option ? " \\\n" : " ").append(quote(arg));
        }
        return out.append('\n').toString();
    }

    static void assertMatches(String scenario, List<String> argv) throws IOException {
        Path file = DIR.resolve(scenario + ".args");
        String actual = render(argv);
        if (Boolean.getBoolean("celadon.golden.update")) {
            Files.createDirectories(DIR);
            Files.writeString(file, actual);
        }
        assertThat(file).as("golden file (create with -Dceladon.golden.update=true, review, commit)").exists();
        assertThat(actual).as("argv of %s (rewrite with -Dceladon.golden.update=true)", file).isEqualTo(Files.readString(file));
    }

    private static String quote(String arg) {
        return PLAIN.matcher(arg).matches() ? arg : "'" + arg.replace("'", "'\\''") + "'";
    }
}
