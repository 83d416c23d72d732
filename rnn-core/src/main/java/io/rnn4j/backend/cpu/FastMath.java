package io.rnn4j.backend.cpu;

/**
 * Activation functions for the CPU kernels, accurate to float32 (evaluated in double through
 * {@link Math#exp}, an intrinsic on common JVMs, then rounded once).
 */
final class FastMath {
    private FastMath() {
    }

    /** {@code tanh(x)} rounded to float; exact limits ±1 for large |x|, NaN stays NaN. */
    static float tanh(float x) {
        double ax = Math.abs((double) x);
        if (ax < 0x1p-12) {
            return x; // tanh x = x − x³/3 + …: the cubic term is below half an ulp
        }
        double e = Math.exp(-2.0 * ax);
        double t = (1.0 - e) / (1.0 + e);
        return (float) Math.copySign(t, x);
    }

    /** {@code 1 / (1 + e^−x)} rounded to float. */
    static float logistic(float x) {
        return (float) (1.0 / (1.0 + Math.exp(-(double) x)));
    }
}
