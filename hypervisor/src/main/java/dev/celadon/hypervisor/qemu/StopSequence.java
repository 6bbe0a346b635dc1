package dev.celadon.hypervisor.qemu;

import dev.celadon.hypervisor.PartitionName;
import dev.celadon.hypervisor.qemu.qmp.QmpClient;
import dev.celadon.hypervisor.qemu.qmp.QmpCommand;
import dev.celadon.hypervisor.qemu.qmp.QmpException;
import dev.celadon.hypervisor.qemu.qmp.RunStatus;
import java.time.Duration;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * A graceful stop, escalating as libvirt's {@code qemuProcessStop} / {@code qemuProcessKill} do:
 * <ol>
 *   <li>the agent's guest-shutdown where the guest has the shutdown integration, else (or when the agent
 *       does not answer) ACPI {@code system_powerdown};</li>
 *   <li>up to the grace period for the guest to power off (or for the process to go);</li>
 *   <li>QMP {@code quit}, then SIGTERM, then SIGKILL, each given {@link #STEP}.</li>
 * </ol>
 * Each step is noted on the target before it is taken, so a stop cut short says how far it got.
 */
final class StopSequence {

    /** What is being stopped: a recorded worker, or an orphan found without a usable record. */
    interface Target {
        PartitionName name();

        /** The process still runs and is still the one that was launched. */
        boolean alive();

        /** The process, only while it is still the one launched: the only safe way to signal it. */
        Optional<ProcessHandle> process();

        Optional<QmpClient> qmp();

        /** The guest's agent, where it has one and its shutdown integration is on. */
        Optional<GuestIntegration> shutdownAgent();

        /** QEMU said the guest powered off (its SHUTDOWN event). */
        boolean guestPoweredOff();

        /** Records how far the stop got; each note replaces the last. */
        void note(String detail);
    }

    private static final Logger LOG = Logger.getLogger(StopSequence.class);
    private static final Duration POLL = Duration.ofMillis(200);
    /** How long each escalation step (quit, SIGTERM, SIGKILL) is given to end the process. */
    static final Duration STEP = Duration.ofSeconds(10);
    /** How long a guest whose agent answered guest-shutdown with an error may take to power off anyway. */
    private static final Duration AGENT_ERROR_GRACE = Duration.ofSeconds(10);

    private final Target target;
    private final Duration commandTimeout;

    StopSequence(Target target, Duration commandTimeout) {
        this.target = target;
        this.commandTimeout = commandTimeout;
    }

    /** Runs the sequence; true when the process is gone at the end. */
    boolean run(Duration grace) {
        String how = askGuestToPowerOff();
        String detail;
        if (how != null && awaitPoweredOffOrGone(grace)) {
            detail = "guest powered off after " + how;
        } else {
            detail = (how == null ? "no shutdown request reached the guest"
                    : "guest did not power off within " + grace.toSeconds() + " s of " + how) + "; quit";
        }
        target.note(detail);
        if (quitAndAwait()) {
            return true;
        }
        detail += "; SIGTERM";
        target.note(detail);
        if (signalAndAwait(false)) {
            return true;
        }
        target.note(detail + "; SIGKILL");
        return signalAndAwait(true);
    }

    private String askGuestToPowerOff() {
        Optional<GuestIntegration> agent = target.shutdownAgent();
        if (agent.isPresent()) {
            switch (agent.get().shutdown()) {
                case SENT -> {
                    return "agent guest-shutdown";
                }
                case ANSWERED_WITH_ERROR -> {
                    if (awaitPoweredOffOrGone(AGENT_ERROR_GRACE)) {
                        return "agent guest-shutdown";
                    }
                }
                case UNANSWERED -> { }
            }
            LOG.infof("%s: falling back to ACPI powerdown", target.name());
        }
        return execute(new QmpCommand.SystemPowerdown()) ? "ACPI powerdown" : null;
    }

    private boolean execute(QmpCommand.Acknowledged command) {
        Optional<QmpClient> client = target.qmp();
        if (client.isEmpty()) {
            return false;
        }
        try {
            client.get().execute(command, commandTimeout);
            return true;
        } catch (QmpException e) {
            LOG.infof("%s: %s failed: %s", target.name(), command.name(), e.getMessage());
            return false;
        }
    }

    private boolean awaitPoweredOffOrGone(Duration grace) {
        long deadline = System.nanoTime() + grace.toNanos();
        while (System.nanoTime() < deadline) {
            if (target.guestPoweredOff() || !target.alive() || guestIsOff()) {
                return true;
            }
            sleep(POLL);
        }
        return false;
    }

    private boolean guestIsOff() {
        Optional<QmpClient> client = target.qmp();
        try {
            return client.isPresent() && client.get().execute(new QmpCommand.QueryStatus(), commandTimeout) == RunStatus.SHUTDOWN;
        } catch (QmpException e) {
            return false;
        }
    }

    private boolean quitAndAwait() {
        if (target.alive()) {
            // The answer may be lost as QEMU exits; whether it did is what counts.
            execute(new QmpCommand.Quit());
        }
        return awaitGone();
    }

    private boolean signalAndAwait(boolean kill) {
        target.process().ifPresent(process -> {
            if (kill) {
                process.destroyForcibly();
            } else {
                process.destroy();
            }
        });
        return awaitGone();
    }

    private boolean awaitGone() {
        long deadline = System.nanoTime() + STEP.toNanos();
        while (target.alive()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            sleep(POLL);
        }
        return true;
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
