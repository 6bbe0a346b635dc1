package dev.celadon.hypervisor.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.celadon.hypervisor.Accel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AccelDecisionTest {

    private static final String INTEL = "processor\t: 0\nflags\t\t: fpu vme de pse tsc msr pae mce cx8 apic vmx ept\n\n";
    private static final String PVM = "processor\t: 0\nflags\t\t: fpu vme de pse tsc msr pae mce cx8 apic hypervisor\n\n";
    private static final String AMD = "processor\t: 0\nflags\t\t: fpu vme svm npt\n\n";

    @TempDir
    Path root;

    private HostPaths host(String cpuinfo, boolean kvm) throws IOException {
        Files.createDirectories(root.resolve("proc"));
        Files.createDirectories(root.resolve("dev"));
        Files.writeString(root.resolve("proc/cpuinfo"), cpuinfo);
        if (kvm) {
            Files.writeString(root.resolve("dev/kvm"), "");
        }
        return new HostPaths(root.resolve("proc"), root.resolve("sys"), root.resolve("dev"));
    }

    @Test
    void autoPicksKvmWithVmxAndAnOpeningDevKvm() throws IOException {
        assertThat(AccelDecision.decide(AccelChoice.AUTO, host(INTEL, true)).accel()).isEqualTo(Accel.KVM);
        assertThat(AccelDecision.decide(AccelChoice.AUTO, host(AMD, true)).accel()).isEqualTo(Accel.KVM);
    }

    @Test
    void autoFallsBackToTcgUnderKvmPvm() throws IOException {
        AccelDecision decision = AccelDecision.decide(AccelChoice.AUTO, host(PVM, true));
        assertThat(decision.accel()).isEqualTo(Accel.TCG);
        assertThat(decision.reason()).contains("neither vmx nor svm");
    }

    @Test
    void autoFallsBackToTcgWithoutDevKvm() throws IOException {
        AccelDecision decision = AccelDecision.decide(AccelChoice.AUTO, host(INTEL, false));
        assertThat(decision.accel()).isEqualTo(Accel.TCG);
        assertThat(decision.reason()).contains("does not exist");
    }

    @Test
    void autoFallsBackToTcgWhenDevKvmDoesNotOpen() throws IOException {
        HostPaths host = host(INTEL, false);
        Files.createDirectory(root.resolve("dev/kvm")); // a directory does not open read-write
        AccelDecision decision = AccelDecision.decide(AccelChoice.AUTO, host);
        assertThat(decision.accel()).isEqualTo(Accel.TCG);
        assertThat(decision.reason()).contains("does not open");
    }

    @Test
    void forcedChoicesWinAndSayWhy() throws IOException {
        AccelDecision forcedKvm = AccelDecision.decide(AccelChoice.KVM, host(PVM, true));
        assertThat(forcedKvm.accel()).isEqualTo(Accel.KVM);
        assertThat(forcedKvm.reason()).contains("forced", "neither vmx nor svm");
        assertThat(AccelDecision.decide(AccelChoice.TCG, host(INTEL, true))).isEqualTo(new AccelDecision(Accel.TCG, "tcg forced by configuration"));
    }

    @Test
    void thisMachineRunsTcg() {
        // The project's machines have kvm_pvm: /dev/kvm but no vmx/svm (DESIGN.md §7).
        assertThat(AccelDecision.decide(AccelChoice.AUTO, HostPaths.SYSTEM).accel()).isEqualTo(Accel.TCG);
    }

    @Test
    void parsesChoices() {
        assertThat(AccelChoice.parse(" Auto ")).isEqualTo(AccelChoice.AUTO);
        assertThat(AccelChoice.parse("kvm")).isEqualTo(AccelChoice.KVM);
    }
}
