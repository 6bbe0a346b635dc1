package dev.celadon.reconciler;

import dev.celadon.reconciler.cli.CommandLine;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;

import java.util.List;

/**
 * The entry point of {@code quarkus-run.jar}. Quarkus calls this before it boots anything, so
 * commands that are not the reconciler ({@code validate}) run and exit without starting it.
 */
@QuarkusMain
public final class CeladonMain {

    private CeladonMain() {
    }

    public static void main(String... args) {
        CommandLine commandLine = new CommandLine(System.getenv(), System.getProperties(), System.out, System.err);
        switch (commandLine.execute(List.of(args))) {
            case CommandLine.RunReconciler run -> Quarkus.run(run.arguments().toArray(String[]::new));
            case CommandLine.Exit exit -> {
                System.out.flush();
                System.exit(exit.status());
            }
        }
    }
}
