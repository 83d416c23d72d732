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
}
