package dev.celadon.hypervisor.qemu;

import dev.celadon.hypervisor.Accel;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.regex.Pattern;

/** The accelerator workers run on, and why: status shows the reason next to the choice. */
public record AccelDecision(Accel accel, String reason) {

    /** A {@code flags} line of /proc/cpuinfo naming vmx (Intel VT-x) or svm (AMD-V). */
    private static final Pattern VIRT_FLAG = Pattern.compile("(?m)^flags\\s*:.*\\b(vmx|svm)\\b");

    public AccelDecision {
        Objects.requireNonNull(accel, "accel");
        Objects.requireNonNull(reason, "reason");
    }

    /**
     * Decides. KVM counts as usable only when /dev/kvm opens read-write AND the CPU shows vmx or svm:
     * under kvm_pvm, /dev/kvm opens but the CPU flags show neither, and standard guests hang there.
     */
    public static AccelDecision decide(AccelChoice choice, HostPaths host) {
        String problem = kvmProblem(host);
        return switch (choice) {
            case TCG -> new AccelDecision(Accel.TCG, "tcg forced by configuration");
            case KVM -> new AccelDecision(Accel.KVM, "kvm forced by configuration"
                    + (problem == null ? "" : " although " + problem));
            case AUTO -> problem == null
                    ? new AccelDecision(Accel.KVM, "kvm: /dev/kvm opens and the CPU has hardware virtualization")
                    : new AccelDecision(Accel.TCG, "tcg: KVM is not usable: " + problem);
        };
    }

    /** Why KVM is not usable here, or null when it is. */
    private static String kvmProblem(HostPaths host) {
        if (!Files.exists(host.kvm())) {
            return host.kvm() + " does not exist";
        }
        try (FileChannel ignored = FileChannel.open(host.kvm(), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            // Opening is the test: permissions and a loaded module both show here.
        } catch (IOException | UnsupportedOperationException e) {
            return host.kvm() + " does not open: " + e.getMessage();
        }
        String cpuinfo;
        try {
            cpuinfo = Files.readString(host.cpuinfo());
        } catch (IOException e) {
            return "cannot read " + host.cpuinfo() + ": " + e.getMessage();
        }
        if (!VIRT_FLAG.matcher(cpuinfo).find()) {
            return "the CPU flags show neither vmx nor svm (a paravirtual /dev/kvm such as kvm_pvm runs only special guests)";
        }
        return null;
    }
}
