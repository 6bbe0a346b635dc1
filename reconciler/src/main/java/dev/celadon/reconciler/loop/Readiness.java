package dev.celadon.reconciler.loop;

import dev.celadon.hypervisor.VmState;
import dev.celadon.hypervisor.WorkerStatus;
import dev.celadon.reconciler.spec.ReadinessSpec;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * The one decision whether a partition is Ready (DESIGN.md §4, {@code spec.readiness}): its worker runs and every
 * check of its readiness holds now. The {@code Ready} condition, the {@code celadon_partition_ready} gauge,
 * {@code dependsOn} and a rollout's wait for Ready all ask here. The guest's own checks (tcp, exec) are made
 * by {@link GuestProber} with the heartbeats; their last results come in as {@link GuestChecks}.
 */
public final class Readiness {

    /**
     * A heartbeat older than this means the guest stopped answering. (Not {@code multipliedBy}: it goes
     * through BigDecimal, whose class initialization alone cost about 10 ms of the reconciler's start.)
     */
    static final Duration HEARTBEAT_STALE = Duration.ofMillis(ReconcileLoop.PROBE_INTERVAL.toMillis() * 3);
    /**
     * Results of tcp and exec checks older than this no longer say anything: a probe makes them every
     * {@link ReconcileLoop#PROBE_INTERVAL}, and one probe may take {@link GuestProber#TCP_TIMEOUT} plus
     * {@link GuestProber#EXEC_TIMEOUT}.
     */
    static final Duration CHECKS_STALE = Duration.ofSeconds(45);

    private Readiness() {
    }

    /**
     * Whether it is Ready, and if not, the first check that does not hold, in words for people:
     * {@code heartbeat}, {@code tcp 5432 no answer}, {@code exec pg_isready exited 1}, {@code worker Starting}.
     */
    public record Verdict(boolean ready, String reason) {
        static final Verdict READY = new Verdict(true, "every readiness check holds");
    }

    /**
     * @param worker the partition's worker as observed now; null when it has none
     * @param checks the last tcp and exec results for it; null when none were made
     */
    public static Verdict verdict(ReadinessSpec spec, WorkerStatus worker, GuestChecks checks, Instant now) {
        if (worker == null) {
            return new Verdict(false, "no worker");
        }
        if (worker.state() != VmState.RUNNING) {
            return new Verdict(false, "worker " + worker.state().name().toLowerCase(Locale.ROOT));
        }
        if (spec.heartbeat() && !heartbeatFresh(worker, now)) {
            return new Verdict(false, "heartbeat");
        }
        if (!spec.probesGuest()) {
            return Verdict.READY;
        }
        boolean current = checks != null && checks.spec().equals(spec) && checks.workerStartedAt().equals(worker.startedAt())
                && checks.at().plus(CHECKS_STALE).isAfter(now);
        if (spec.tcpPort().isPresent()) {
            String tcp = "tcp " + spec.tcpPort().getAsInt();
            if (!current) {
                return new Verdict(false, tcp + " not checked yet");
            }
            if (!checks.tcpAnswered()) {
                return new Verdict(false, tcp + " no answer");
            }
        }
        if (!spec.exec().isEmpty()) {
            String exec = "exec " + spec.exec().getFirst();
            if (!current) {
                return new Verdict(false, exec + " not run yet");
            }
            if (checks.execProblem() != null) {
                return new Verdict(false, exec + " " + checks.execProblem());
            }
        }
        return Verdict.READY;
    }

    /** Whether the guest answered a heartbeat lately; only a running guest's count. */
    static boolean heartbeatFresh(WorkerStatus worker, Instant now) {
        return worker.state() == VmState.RUNNING
                && worker.guest().heartbeatAt().filter(at -> at.plus(HEARTBEAT_STALE).isAfter(now)).isPresent();
    }

    /**
     * What the last probe of a worker found of the guest-side checks.
     *
     * @param workerStartedAt which run of the worker it was made on: a restarted worker's old results do not count
     * @param spec            the readiness it checked: a changed spec is checked afresh
     * @param execProblem     why the exec check failed ({@code exited 1}, or the agent's error); null when it exited 0
     *                        or there is none
     */
    public record GuestChecks(Instant workerStartedAt, ReadinessSpec spec, boolean tcpAnswered, String execProblem,
                              Instant at) {
    }
}
