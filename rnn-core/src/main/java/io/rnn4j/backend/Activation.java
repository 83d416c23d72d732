package io.rnn4j.backend;

/**
 * Element-wise hidden-unit non-linearities {@code h = f(s)} and the derivative each backend fuses
 * into the backward Hadamard product {@code δ = f'(s) ⊙ g}.
 */
public enum Activation {
    /** {@code tanh(s)}; {@code f' = 1 − h²}, computed from the stored {@code h}. */
    TANH,
    /** Logistic sigmoid {@code 1 / (1 + e^−s)}; {@code f' = h (1 − h)}, from the stored {@code h}. */
    LOGISTIC,
    /** {@code max(0, s)}; {@code f' = 1} for {@code s > 0}, else 0. */
    RELU,
    /**
     * Parametric ReLU with a learnable slope {@code a_j} per hidden unit: {@code s} for {@code s > 0},
     * {@code a_j s} otherwise; {@code f' = 1} or {@code a_j}, and {@code ∂h/∂a_j = s} where {@code s ≤ 0}.
     */
    PRELU,
    /** {@code f(s) = s}: a linear RNN, for analysis and the analytic tests. */
    IDENTITY;

    /** {@return lower-case name as used on command lines and in configs} */
    public String id() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * Parses {@code tanh}, {@code logistic} (or {@code sigmoid}), {@code relu}, {@code prelu}, {@code identity} (or {@code linear}).
     *
     * @param s the name (case-insensitive)
     * @return the constant
     */
    public static Activation parse(String s) {
        String k = s.trim().toLowerCase(java.util.Locale.ROOT);
        switch (k) {
            case "sigmoid": return LOGISTIC;
            case "linear": return IDENTITY;
            default:
                for (Activation a : values()) {
                    if (a.id().equals(k)) {
                        return a;
                    }
                }
                throw new IllegalArgumentException("unknown activation '" + s
                        + "' (expected tanh, logistic, relu, prelu or identity)");
        }
    }
}
