package dev.celadon.hypervisor.qemu.qmp;

/** A QMP exchange failed. Each subtype is one failure mode; messages are built from the fields. */
public abstract sealed class QmpException extends Exception
        permits QmpException.ErrorResponse, QmpException.Timeout, QmpException.Disconnected {

    private final String command;

    QmpException(String command, String message, Throwable cause) {
        super(message, cause);
        this.command = command;
    }

    /** The command that failed, or {@code "connect"} for the greeting and negotiation. */
    public String command() {
        return command;
    }

    /** QEMU answered with {@code {"error": {"class": ..., "desc": ...}}}. */
    public static final class ErrorResponse extends QmpException {
        private final String errorClass;
        private final String description;

        public ErrorResponse(String command, String errorClass, String description) {
            super(command, command + ": " + errorClass + ": " + description, null);
            this.errorClass = errorClass;
            this.description = description;
        }

        /** QEMU's error class, e.g. {@code GenericError}, {@code CommandNotFound}, {@code DeviceNotActive}. */
        public String errorClass() {
            return errorClass;
        }

        public String description() {
            return description;
        }
    }

    /** No answer within the timeout; the connection stays usable, a late answer is dropped. */
    public static final class Timeout extends QmpException {
        private final java.time.Duration timeout;

        public Timeout(String command, java.time.Duration timeout) {
            super(command, command + ": no answer within " + timeout.toMillis() + " ms", null);
            this.timeout = timeout;
        }

        public java.time.Duration timeout() {
            return timeout;
        }
    }

    /** The socket could not be opened, or closed before the answer came (QEMU exited or was killed). */
    public static final class Disconnected extends QmpException {
        public Disconnected(String command, String problem, Throwable cause) {
            super(command, command + ": " + problem, cause);
        }
    }
}
