package io.rnn4j.io;

import java.io.IOException;

/** A checkpoint file is truncated, corrupt, of another format, or does not match the model it is loaded into. */
public class CheckpointException extends IOException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message the file and what is wrong with it
     */
    public CheckpointException(String message) {
        super(message);
    }

    /**
     * Creates the exception.
     *
     * @param message the file and what is wrong with it
     * @param cause the failure behind it
     */
    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
