package io.rnn4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The activation functions are accurate to float32: within 1 ulp of the correctly rounded value
 * (computed in double by {@link Math#tanh} and {@code 1/(1+exp(−x))}) on a dense sweep.
 */
class FastMathTest {
    @Test
    void tanhWithinOneUlp() {
        int worst = 0;
        for (int i = -2_000_000; i <= 2_000_000; i++) {
            float x = i * 1e-5f;
            worst = Math.max(worst, ulps(FastMath.tanh(x), (float) Math.tanh(x)));
        }
        for (float x = 1e-30f; x < 100f; x *= 1.001f) {
            worst = Math.max(worst, ulps(FastMath.tanh(x), (float) Math.tanh(x)));
            worst = Math.max(worst, ulps(FastMath.tanh(-x), (float) Math.tanh(-x)));
        }
        assertTrue(worst <= 1, "worst tanh error " + worst + " ulp");
        assertEquals(0f, FastMath.tanh(0f));
        assertTrue(Float.isNaN(FastMath.tanh(Float.NaN)));
        assertEquals(1f, FastMath.tanh(Float.POSITIVE_INFINITY));
    }

    @Test
    void logisticWithinOneUlp() {
        int worst = 0;
        for (int i = -2_000_000; i <= 2_000_000; i++) {
            float x = i * 5e-5f;
            worst = Math.max(worst, ulps(FastMath.logistic(x), (float) (1 / (1 + Math.exp(-(double) x)))));
        }
        assertTrue(worst <= 1, "worst logistic error " + worst + " ulp");
    }

    private static int ulps(float a, float b) {
        if (a == b) {
            return 0;
        }
        return Math.abs(Float.floatToIntBits(a) - Float.floatToIntBits(b));
    }
}
