package io.rnn4j.backend;

/** Thrown when a requested backend is unknown or cannot run on this machine. */
public class BackendUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what is unavailable and why
     */
    public BackendUnavailableException(String message) {
        super(message);
    }

    /**
     * Creates the exception.
     *
     * @param message what is unavailable and why
     * @param cause the failure behind it
     */
    public BackendUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
