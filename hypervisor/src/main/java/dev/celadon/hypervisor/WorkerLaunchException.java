package dev.celadon.hypervisor;

/** The worker process could not be launched or exited before it was ready; QEMU's own words attached. */
public final class WorkerLaunchException extends HypervisorException {

    private final String qemuOutput;

    public WorkerLaunchException(PartitionName partition, String what, String qemuOutput, Throwable cause) {
        super(partition, partition + ": worker failed to start: " + what
                + (qemuOutput == null || qemuOutput.isBlank() ? "" : ": " + qemuOutput.strip()), cause);
        this.qemuOutput = qemuOutput == null ? "" : qemuOutput;
    }

    public String qemuOutput() {
        return qemuOutput;
    }

    @Override
    public String reason() {
        return "WorkerLaunch";
    }

    @Override
    public Retry retry() {
        return Retry.BACKOFF;
    }
}
