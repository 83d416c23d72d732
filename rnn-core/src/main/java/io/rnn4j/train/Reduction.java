package io.rnn4j.train;

import java.util.Locale;

/**
 * How per-position losses are combined. The gradient is that of the reported loss.
 */
public enum Reduction {
    /** The sum over every contributing position (and output, for squared error). */
    SUM,
    /**
     * The sum divided by the total loss weight: the number of contributing positions for
     * cross-entropy (tokens), times the output width O for squared error (as PyTorch's
     * {@code MSELoss(reduction="mean")} divides by the element count).
     */
    MEAN;

    /**
     * Parses {@code sum} or {@code mean}.
     *
     * @param s the name (case-insensitive)
     * @return the constant
     */
    public static Reduction parse(String s) {
        return switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "sum" -> SUM;
            case "mean" -> MEAN;
            default -> throw new IllegalArgumentException("unknown reduction '" + s + "' (expected sum or mean)");
        };
    }
}
