package io.rnn4j.diagnostics;

/** What a trainer does when a step's loss or gradient is NaN or infinite. */
public enum NonFinitePolicy {
    /** Throw {@code NonFiniteException} naming the first tensor and time step where it appears (default). */
    THROW,
    /** Skip the update (parameters and optimizer state unchanged), report it in the step result, go on. */
    SKIP_UPDATE,
    /**
     * Apply the update anyway (the parameters may become NaN); reported in the step result. Only for
     * studying a divergence, never silent.
     */
    CONTINUE
}
