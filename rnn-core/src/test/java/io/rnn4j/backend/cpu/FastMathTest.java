package io.rnn4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Error bounds of the fast functions against the double-precision functions rounded to float.
 * By default every 61st float of each range is checked (tens of millions of points, a few
 * seconds); with {@code -Drnn4j.exhaustive=true} every float is, which proves the bounds for the
 * whole range (minutes). tanh is checked for x ≥ 0 only: it is exactly odd by construction (the
 * clamp is symmetric and x·P(x²)/Q(x²) changes sign exactly with x). Proven on every float
 * (exhaustive run): exp 1 ulp on [−87.3, 88.7]; tanh 3.81e-7 absolute, 6 ulp, 3 ulp below 0.5;
 * logistic 2 ulp on [−87, 87].
 */
class FastMathTest {
    private static final int STRIDE = Boolean.getBoolean("rnn4j.exhaustive") ? 1 : 61;

    private static long ulps(float a, float b) {
        if (a == b) {
            return 0;
        }
        if (Math.signum(a) != Math.signum(b)) {
            return Long.MAX_VALUE;
        }
        return Math.abs((long) Float.floatToIntBits(a) - Float.floatToIntBits(b));
    }

    /** Every float x with |x| in [lo, hi], both signs. */
    private interface Check {
        void at(float x);
    }

    private static void everyFloat(float lo, float hi, Check c) {
        everyFloat(lo, hi, true, c);
    }

    private static void everyFloat(float lo, float hi, boolean bothSigns, Check c) {
        int from = Float.floatToIntBits(lo);
        int to = Float.floatToIntBits(hi);
        for (int bits = from; bits <= to; bits += STRIDE) {
            float x = Float.intBitsToFloat(bits);
            c.at(x);
            if (bothSigns) {
                c.at(-x);
            }
        }
    }

    @Test
    void expWithinTwoUlpOnItsWholeRange() {
        long[] worst = {0};
        everyFloat(0f, 87.3f, x -> worst[0] = Math.max(worst[0], ulps(FastMath.exp(x), (float) Math.exp(x))));
        everyFloat(87.3f, 88.7f, x -> {
            if (x > 0) {
                worst[0] = Math.max(worst[0], ulps(FastMath.exp(x), (float) Math.exp(x)));
            }
        });
        System.out.println("FastMath.exp: worst error " + worst[0] + " ulp over every " + STRIDE
                + ". float in [-87.3, 88.7]");
        assertTrue(worst[0] <= 1, "exp error " + worst[0] + " ulp");
        assertTrue(Float.isNaN(FastMath.exp(Float.NaN)));
        assertTrue(FastMath.exp(-1000f) >= 0f && FastMath.exp(-1000f) < 1.2e-38f);
        assertTrue(Float.isFinite(FastMath.exp(1000f)));
    }

    @Test
    void tanhErrorBound() {
        long[] worstUlp = {0};
        long[] worstSmallUlp = {0};
        double[] worstAbs = {0};
        everyFloat(Float.MIN_VALUE, 10f, false, x -> {
            float got = FastMath.tanh(x);
            float want = (float) Math.tanh(x);
            long u = ulps(got, want);
            worstUlp[0] = Math.max(worstUlp[0], u);
            if (x < 0.5f) {
                worstSmallUlp[0] = Math.max(worstSmallUlp[0], u);
            }
            worstAbs[0] = Math.max(worstAbs[0], Math.abs((double) got - Math.tanh(x)));
        });
        System.out.printf("FastMath.tanh: worst error %.2e absolute, %d ulp (%d ulp below 0.5), over every %d. float"
                + " in [0, 10]%n", worstAbs[0], worstUlp[0], worstSmallUlp[0], STRIDE);
        assertTrue(worstAbs[0] <= 3.9e-7, "tanh absolute error " + worstAbs[0]);
        assertTrue(worstUlp[0] <= 6, "tanh error " + worstUlp[0] + " ulp");
        assertTrue(worstSmallUlp[0] <= 3, "tanh error below 0.5: " + worstSmallUlp[0] + " ulp");
        assertEquals(1f, FastMath.tanh(1e30f));
        assertEquals(1f, FastMath.tanh(9.5f));
        everyFloat(8f, 9f, false, x -> assertTrue(FastMath.tanh(x) <= 1f, "tanh(" + x + ") > 1"));
        assertEquals(-1f, FastMath.tanh(Float.NEGATIVE_INFINITY));
        assertTrue(Float.isNaN(FastMath.tanh(Float.NaN)));
        assertEquals(0f, FastMath.tanh(0f));
        assertEquals(1e-30f, FastMath.tanh(1e-30f));
        assertEquals(-FastMath.tanh(0.3f), FastMath.tanh(-0.3f));
        assertEquals(-FastMath.tanh(3f), FastMath.tanh(-3f));
    }

    @Test
    void gateSigmoidAbsoluteErrorBound() {
        double[] worst = {0};
        everyFloat(Float.MIN_VALUE, 40f, x -> worst[0] = Math.max(worst[0],
                Math.abs(FastMath.gate(x) - 1 / (1 + Math.exp(-(double) x)))));
        System.out.printf("FastMath.gate: worst absolute error %.2e over every %d. float with |x| <= 40%n", worst[0],
                STRIDE);
        assertTrue(worst[0] <= 2.5e-7, "gate sigmoid absolute error " + worst[0]);
        assertEquals(1f, FastMath.gate(100f));
        assertEquals(0f, FastMath.gate(-100f));
    }

    @Test
    void logisticErrorBound() {
        long[] worst = {0};
        double[] worstAbs = {0};
        everyFloat(Float.MIN_VALUE, 87f, x -> {
            float got = FastMath.logistic(x);
            double exact = 1 / (1 + Math.exp(-(double) x));
            worst[0] = Math.max(worst[0], ulps(got, (float) exact));
            worstAbs[0] = Math.max(worstAbs[0], Math.abs(got - exact));
        });
        System.out.printf("FastMath.logistic: worst error %d ulp, %.2e absolute, over every %d. float with |x| <= 87%n",
                worst[0], worstAbs[0], STRIDE);
        assertTrue(worst[0] <= 3, "logistic error " + worst[0] + " ulp");
        assertEquals(1f, FastMath.logistic(200f));
        assertTrue(FastMath.logistic(-200f) >= 0f && FastMath.logistic(-200f) < 1e-37f);
    }

    /**
     * Softmax's sum of its exponentials: within 7·2^-24 relative of the exact sum of non-negative terms
     * (at most 8 float additions per lane), at every length around the 16-lane rows and 128-element blocks,
     * and exact where every partial sum is representable.
     */
    @Test
    void blockSumErrorBound() {
        java.util.SplittableRandom r = new java.util.SplittableRandom(5);
        double worst = 0;
        for (int n : new int[] {0, 1, 15, 16, 17, 127, 128, 129, 255, 256, 1000, 2000, 10000}) {
            for (int trial = 0; trial < 20; trial++) {
                java.nio.FloatBuffer z = java.nio.FloatBuffer.allocate(n + 3);
                double exact = 0;
                for (int i = 0; i < n; i++) {
                    float v = trial % 2 == 0 ? FastMath.exp((float) (r.nextGaussian() * 4)) : (float) r.nextDouble();
                    z.put(3 + i, v);
                    exact += v;  // double: exact to about 1e-16 relative for these n
                }
                z.put(0, Float.NaN);  // outside [zb, zb + n): must not be read
                double got = FastMath.blockSum(z, 3, n);
                double rel = n == 0 ? Math.abs(got) : Math.abs(got - exact) / exact;
                worst = Math.max(worst, rel);
                assertTrue(rel <= 7 * 0x1p-24 / (1 - 7 * 0x1p-24) + 1e-14, "n " + n + ", trial " + trial + ": relative error " + rel);
            }
            java.nio.FloatBuffer ones = java.nio.FloatBuffer.allocate(n);
            for (int i = 0; i < n; i++) {
                ones.put(i, i % 5);
            }
            assertEquals((n / 5) * 10.0 + (n % 5) * (n % 5 - 1) / 2.0, FastMath.blockSum(ones, 0, n), 0.0,
                    "integers sum exactly, n " + n);
        }
        System.out.println("blockSum: worst relative error " + worst);
    }
}
