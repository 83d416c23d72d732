package io.rnn4j.train;

import io.rnn4j.diagnostics.NonFiniteLocation;

/**
 * The loss or the gradient of a step is NaN or infinite. Thrown before the update: parameters
 * and optimizer state are unchanged. {@link #location()} says where the first such value is.
 */
public class NonFiniteException extends ArithmeticException {
    private static final long serialVersionUID = 1L;
    private final transient NonFiniteLocation location;

    /**
     * Creates the exception.
     *
     * @param message the step, the loss, the norm and where
     * @param location where the first NaN or infinity appeared
     */
    public NonFiniteException(String message, NonFiniteLocation location) {
        super(message);
        this.location = location;
    }

    /** {@return where the first NaN or infinity appeared} */
    public NonFiniteLocation location() {
        return location;
    }
}
