package dev.celadon.hypervisor.qemu.agent;

/**
 * The guest agent did not answer in time, closed the channel, or answered with an error.
 * {@link #errorClass()} is the agent's error class when it answered, else empty.
 */
public final class AgentException extends Exception {

    private final String command;
    private final String errorClass;

    public AgentException(String command, String errorClass, String problem, Throwable cause) {
        super(command + ": " + (errorClass.isEmpty() ? "" : errorClass + ": ") + problem, cause);
        this.command = command;
        this.errorClass = errorClass;
    }

    public String command() {
        return command;
    }

    public String errorClass() {
        return errorClass;
    }

    /** The agent answered, with an error (as opposed to not answering at all). */
    public boolean answered() {
        return !errorClass.isEmpty();
    }
}
