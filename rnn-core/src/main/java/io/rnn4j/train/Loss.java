package io.rnn4j.train;

import java.util.Locale;

/** The output head and its loss. */
public enum Loss {
    /**
     * Softmax cross-entropy at every step, {@code E_t = −log ŷ_t[y_t]}; needs token targets in
     * {@code [0, O)}.
     */
    SOFTMAX_CROSS_ENTROPY,
    /** Squared error {@code Σ_j (z_tj − y_tj)²} at every step (regression); needs dense targets {@code T·B·O}. */
    MSE_EVERY_STEP,
    /**
     * Squared error at the last step of each sequence only (its {@code length − 1} with variable
     * lengths); needs dense targets {@code B·O}. The head runs on {@code B} rows, not {@code T·B}.
     */
    MSE_LAST_STEP,
    /**
     * Sequence classification: softmax cross-entropy at the last step of each sequence only (its
     * {@code length − 1}), one label per sequence; needs token targets {@code B} ({@link
     * io.rnn4j.data.Batch#tokensClassification}). The head runs on {@code B} rows.
     */
    CROSS_ENTROPY_LAST_STEP;

    /** {@return whether the head reads only each sequence's last step (B rows)} */
    public boolean lastStepOnly() {
        return this == MSE_LAST_STEP || this == CROSS_ENTROPY_LAST_STEP;
    }

    /** {@return whether the targets are token ids (else dense vectors)} */
    public boolean tokenTargets() {
        return this == SOFTMAX_CROSS_ENTROPY || this == CROSS_ENTROPY_LAST_STEP;
    }

    /**
     * Parses {@code ce}/{@code cross-entropy}, {@code mse}, {@code mse-last}, {@code ce-last}/{@code classification}.
     *
     * @param s the name (case-insensitive)
     * @return the constant
     */
    public static Loss parse(String s) {
        return switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "ce", "cross-entropy", "softmax", "softmax-cross-entropy" -> SOFTMAX_CROSS_ENTROPY;
            case "mse", "mse-every-step" -> MSE_EVERY_STEP;
            case "mse-last", "mse-last-step" -> MSE_LAST_STEP;
            case "ce-last", "cross-entropy-last-step", "classification" -> CROSS_ENTROPY_LAST_STEP;
            default -> throw new IllegalArgumentException("unknown loss '" + s
                    + "' (expected ce, mse, mse-last or ce-last)");
        };
    }
}
