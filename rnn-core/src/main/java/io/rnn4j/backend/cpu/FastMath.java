package io.rnn4j.backend.cpu;

/**
 * Fast float32 elementary functions for the CPU kernels: float arithmetic only, no tables, no
 * data-dependent branches, with error bounds proven by enumerating every float in
 * {@code FastMathTest} (with {@code -Drnn4j.exhaustive=true}):
 * <ul>
 *   <li>{@link #exp}: within 1 ulp of the correctly rounded {@code e^x} for every float in
 *       [−87.3, 88.7]; clamps outside (0 below is replaced by ≈1.2e-38, never returns ∞).</li>
 *   <li>{@link #tanh}: within 3.9e-7 of {@code tanh x} for every float (6 ulp near ±1, 3 ulp below
 *       |x| = 0.5).</li>
 *   <li>{@link #logistic}: {@code 1 / (1 + exp(−x))}, within 2 ulp for every float in [−87, 87]
 *       (and exactly 1 or a value below 1e-37 beyond).</li>
 * </ul>
 * NaN in gives NaN out. {@link #blockSum} is the order in which softmax sums its exponentials.
 */
final class FastMath {
    private FastMath() {
    }

    static final float LOG2E = 1.44269504088896341f;
    /** ln 2 split into a part exact in float and a correction (Cody–Waite). */
    static final float LN2_HI = 0.693359375f;
    static final float LN2_LO = -2.12194440e-4f;
    static final float EXP_MAX = 88.7228317f;
    static final float EXP_MIN = -87.3365479f;
    /** 1.5 · 2^23: adding and subtracting it rounds a float to the nearest integer. */
    static final float ROUND = 12582912f;

    /** {@code e^x} in float32. */
    static float exp(float x) {
        float c = Math.max(EXP_MIN, Math.min(EXP_MAX, x));
        float n = (c * LOG2E + ROUND) - ROUND;
        float r = c - n * LN2_HI - n * LN2_LO;
        // e^r on |r| ≤ ln2/2 by its Taylor polynomial of degree 7 (truncation below 6e-9 relative).
        float p = 1.98412698e-4f;
        p = p * r + 1.38888889e-3f;
        p = p * r + 8.33333333e-3f;
        p = p * r + 4.16666667e-2f;
        p = p * r + 1.66666667e-1f;
        p = p * r + 0.5f;
        p = p * r + 1f;
        p = p * r + 1f;
        // 2^n as two factors, so that n = 128 (x just below the overflow bound) stays finite.
        int k = (int) n;
        int half = k >> 1;
        return p * Float.intBitsToFloat((half + 127) << 23) * Float.intBitsToFloat((k - half + 127) << 23);
    }

    /** Beyond ±9, tanh rounds to ±1 in float (1 − tanh 9 = 3.0e-8 is below half an ulp of 1). */
    private static final float TANH_CLAMP = 9f;

    /**
     * {@code tanh(x)}: a rational approximation {@code x·P(x²)/Q(x²)} (P of degree 5 and Q of
     * degree 4 in x², fitted on [0, 9] for minimal relative error, 1.3e-9 in exact arithmetic),
     * evaluated in float: one division, no exponential, no branch but the clamp. Float rounding in
     * P and Q bounds the error at 3.9e-7 absolute (6 ulp near ±1, where tanh is flat), see the
     * test. Double arithmetic would round better but runs several times slower in Java's scalar
     * code (float-double conversions serialize the loop).
     */
    static float tanh(float x) {
        float c = x > TANH_CLAMP ? TANH_CLAMP : (x < -TANH_CLAMP ? -TANH_CLAMP : x);
        float u = c * c;
        float p = -1.224577579763514e-11f;
        p = p * u + 3.0641973381851398e-08f;
        p = p * u + 2.8031117493657083e-05f;
        p = p * u + 0.0038694997288939229f;
        p = p * u + 0.13680850229734501f;
        p = p * u + 0.99999999873952583f;
        float q = 1.2890203120931201e-06f;
        q = q * u + 0.000394069782478489f;
        q = q * u + 0.027250127600409187f;
        q = q * u + 0.47014182326752363f;
        q = q * u + 1f;
        float t = c * p / q;
        // Rounding can overshoot ±1 by an ulp near the clamp; |tanh| ≤ 1 keeps 1 − h² ≥ 0.
        return t > 1f ? 1f : (t < -1f ? -1f : t);
    }

    /**
     * The logistic sigmoid for gates, {@code 0.5 + 0.5·tanh(x/2)} with the rational {@link #tanh}:
     * about three times faster than {@link #logistic}, absolute error within 2e-7 (so relative
     * accuracy is lost only for outputs below about 1e-5, where a gate is closed anyway).
     */
    static float gate(float x) {
        return 0.5f + 0.5f * tanh(0.5f * x);
    }

    /** The logistic sigmoid {@code 1 / (1 + e^−x)}. */
    static float logistic(float x) {
        return 1f / (1f + exp(-x));
    }

    /** Lanes of {@link #blockSum}'s float partial sums. */
    static final int SUM_LANES = 16;
    /** Elements per block of {@link #blockSum}: 8 to a lane. */
    static final int SUM_BLOCK = 8 * SUM_LANES;

    /**
     * {@code Σ z[zb, zb + n)} in an order that vector code follows on any vector width dividing 16: the
     * row in blocks of {@link #SUM_BLOCK} elements; in each block, element i in lane {@code i mod 16},
     * each lane summed in float in increasing i from +0; then the block's 16 lane sums added to a double
     * in lane order, block after block. For non-negative terms (softmax's exponentials) each lane sum
     * has at most 8 terms, so the result is within about 7·2^-24 ≈ 4.2e-7 relative of the exact sum
     * (the double additions add about 1e-16; FastMathTest). {@link VectorKernels} gives the same bits.
     */
    static double blockSum(java.nio.FloatBuffer z, int zb, int n) {
        double total = 0;
        for (int b = 0; b < n; b += SUM_BLOCK) {
            int end = Math.min(b + SUM_BLOCK, n);
            for (int l = 0; l < SUM_LANES; l++) {
                float f = 0f;
                for (int i = b + l; i < end; i += SUM_LANES) {
                    f += z.get(zb + i);
                }
                total += f;
            }
        }
        return total;
    }
}
