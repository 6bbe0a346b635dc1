package dev.celadon.hypervisor.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The whole transition table, every pair named: a move not listed as allowed is refused. */
class WorkerPhaseTest {

    @ParameterizedTest(name = "{0} → {1}: {2}")
    @CsvSource({
            "LAUNCHING, LAUNCHING, false",
            "LAUNCHING, RUNNING,   true",
            "LAUNCHING, ENDING,    true",
            "LAUNCHING, EXITED,    true",
            "RUNNING,   LAUNCHING, false",
            "RUNNING,   RUNNING,   false",
            "RUNNING,   ENDING,    true",
            "RUNNING,   EXITED,    true",
            "ENDING,    LAUNCHING, false",
            "ENDING,    RUNNING,   false",
            "ENDING,    ENDING,    false",
            "ENDING,    EXITED,    true",
            "EXITED,    LAUNCHING, true",
            "EXITED,    RUNNING,   false",
            "EXITED,    ENDING,    false",
            "EXITED,    EXITED,    false"})
    void transitions(WorkerPhase from, WorkerPhase to, boolean allowed) {
        assertThat(from.canBecome(to)).isEqualTo(allowed);
    }

    @ParameterizedTest
    @CsvSource({"LAUNCHING, true", "RUNNING, true", "ENDING, true", "EXITED, false"})
    void onlyAnExitedWorkerHasNoProcess(WorkerPhase phase, boolean hasProcess) {
        assertThat(phase.hasProcess()).isEqualTo(hasProcess);
    }
}
