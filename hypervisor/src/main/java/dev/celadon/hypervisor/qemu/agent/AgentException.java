package dev.celadon.hypervisor.qemu.agent;

/**
 * The guest agent did not answer in time, closed the channel, or answered with an error.
 * {@link #errorClass()} is the agent's error class when it answered, else empty.
 */
public final class AgentException extends Exception {

    private final String command;
    private final String errorClass;
    private final boolean channelLost;

    public AgentException(String command, String errorClass, String problem, Throwable cause) {
        this(command, errorClass, problem, cause, false);
    }

    private AgentException(String command, String errorClass, String problem, Throwable cause, boolean channelLost) {
        super(command + ": " + (errorClass.isEmpty() ? "" : errorClass + ": ") + problem, cause);
        this.command = command;
        this.errorClass = errorClass;
        this.channelLost = channelLost;
    }

    /** The channel itself failed (closed, or stuck full): the session is no use any more. */
    static AgentException channelLost(String command, String problem, Throwable cause) {
        return new AgentException(command, "", problem, cause, true);
    }

    /** True when the session must be dropped; a silent agent (a timeout) leaves it usable. */
    public boolean channelLost() {
        return channelLost;
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
