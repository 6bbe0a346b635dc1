package dev.celadon.reconciler;

import dev.celadon.reconciler.cli.CommandLine;
import dev.celadon.reconciler.config.StartupFailure;
import io.quarkus.runtime.ApplicationLifecycleManager;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;
import org.jboss.logging.Logger;

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
            case CommandLine.RunReconciler run ->
                    Quarkus.run(null, CeladonMain::exit, run.arguments().toArray(String[]::new));
            case CommandLine.Exit exit -> {
                System.out.flush();
                System.exit(exit.status());
            }
        }
    }

    /**
     * How the reconciler ends. Given an exit handler, Quarkus leaves a failed start to it instead of
     * logging a stack trace: a failure the operator can fix (a bad value, a state dir in use) is said in
     * one line per problem on stderr, and only a failure nobody expected is logged whole.
     */
    private static void exit(int status, Throwable failure) {
        if (failure == null) {
            ApplicationLifecycleManager.getDefaultExitCodeHandler().accept(status, null);
            return;
        }
        StartupFailure.of(failure).ifPresentOrElse(known -> {
            known.lines().forEach(line -> System.err.println("celadon: " + line));
            System.exit(known.exitStatus());
        }, () -> {
            Logger.getLogger(CeladonMain.class).error("the reconciler failed to start", failure);
            System.exit(1);
        });
    }
}
