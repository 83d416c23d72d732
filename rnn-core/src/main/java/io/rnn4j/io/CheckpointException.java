package io.rnn4j.io;

import java.io.IOException;

/** A checkpoint file is truncated, corrupt, of another format, or does not match the model it is loaded into. */
public class CheckpointException extends IOException {
    private static final long serialVersionUID = 1L;

    public CheckpointException(String message) {
        super(message);
    }

    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
