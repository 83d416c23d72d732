package io.rnn4j.train;

/**
 * The loss or the gradient of a step is NaN or infinite. Thrown before the update: parameters
 * and optimizer state are unchanged.
 */
public class NonFiniteException extends ArithmeticException {
    private static final long serialVersionUID = 1L;

    public NonFiniteException(String message) {
        super(message);
    }
}
