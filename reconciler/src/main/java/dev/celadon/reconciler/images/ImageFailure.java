package dev.celadon.reconciler.images;

/** Why an image could not be fetched: the reason is the {@code ImageReady} condition's, the message for people. */
public final class ImageFailure extends Exception {

    /** The {@code ImageReady=False} reasons after a failure. */
    public enum Reason {
        NotFound, Unauthorized, HttpError, Unreachable, ChecksumMismatch, UnsupportedFormat, TooLarge, DiskFull,
        WriteFailed, NotAllowed
    }

    private final Reason reason;

    public ImageFailure(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
