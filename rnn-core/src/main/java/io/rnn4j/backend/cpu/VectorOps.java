package io.rnn4j.backend.cpu;

import java.nio.FloatBuffer;

/**
 * The element-wise loops that have a vectorized implementation (JDK Vector API, {@link VectorKernels})
 * beside the scalar one in {@link Kernels}/{@link FastMath}. Each computes exactly what the scalar
 * loop computes, bit for bit: the same float operations in the same order, only several lanes at a
 * time. Offsets count floats.
 */
interface VectorOps {
    /** {@code h[ho + i] = FastMath.tanh(s[so + i])} for {@code i < n}. */
    void tanh(FloatBuffer s, int so, FloatBuffer h, int ho, int n);

    /** {@code g[go + i] *= 1 − h[ho + i]²} for {@code i < n}. */
    void tanhBackward(FloatBuffer h, int ho, FloatBuffer g, int go, int n);

    /**
     * {@link Kernels#lstmForward} on one row, units [j0, j1) of H: offsets are the row's first element
     * of each operand (the gates' block 0).
     */
    void lstmForward(FloatBuffer g, int go, FloatBuffer cp, int cpo, FloatBuffer c, int co, FloatBuffer hOut, int ho,
                     FloatBuffer tc, int to, int j0, int j1, int h);

    /** {@link Kernels#lstmBackward} on one row, units [j0, j1) (offsets as in {@link #lstmForward}). */
    void lstmBackward(FloatBuffer g, int go, FloatBuffer cp, int cpo, FloatBuffer tc, int to, FloatBuffer dh, int dho,
                      FloatBuffer dc, int dco, FloatBuffer dg, int dgo, int j0, int j1, int h);

    /** {@link Kernels#gruForward} on one row, units [j0, j1). */
    void gruForward(FloatBuffer x, int xo, FloatBuffer hg, int hgo, FloatBuffer hp, int hpo, FloatBuffer hOut, int ho,
                    FloatBuffer a, int ao, int j0, int j1, int h);

    /** {@link Kernels#gruBackward} on one row, units [j0, j1). */
    void gruBackward(FloatBuffer a, int ao, FloatBuffer hg, int hgo, FloatBuffer hp, int hpo, FloatBuffer dh, int dho,
                     FloatBuffer dx, int dxo, FloatBuffer dhg, int dhgo, FloatBuffer dp, int dpo, int j0, int j1,
                     int h);

    /**
     * {@link Kernels#softmaxRow} on the row at {@code zb} ({@code cols} wide, target {@code y}, weight
     * {@code wr != 0}): the same bits (the exponentials lane by lane with {@link FastMath#exp}'s
     * operations, their sum in {@link FastMath#blockSum}'s order).
     */
    double softmaxRow(FloatBuffer z, int zb, int cols, int y, float wr, float gradScale);
}
