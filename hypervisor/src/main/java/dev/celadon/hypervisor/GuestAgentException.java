package dev.celadon.hypervisor;

/** The guest agent did not answer, or answered with an error. The guest may still be booting. */
public final class GuestAgentException extends HypervisorException {

    private final String command;

    public GuestAgentException(PartitionName partition, String command, String problem, Throwable cause) {
        super(partition, partition + ": guest agent " + command + ": " + problem, cause);
        this.command = command;
    }

    public String command() {
        return command;
    }

    @Override
    public String reason() {
        return "GuestAgent";
    }

    @Override
    public Retry retry() {
        return Retry.REQUEUE;
    }
}
