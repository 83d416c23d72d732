package io.rnn4j.backend.cpu;

/**
 * Per-thread float arrays of the CPU kernels, one per slot, grown (at least doubling) on demand and
 * never shrunk, so that a training step allocates nothing once they have reached their sizes. Each
 * slot has one owner, and no owner calls another while it holds a slot, so the arrays never alias.
 * The threads are the calling thread and the backend's own helpers.
 */
final class Scratch {
    /** {@link VectorGemm}: packed A. */
    static final int GEMM_A = 0;
    /** {@link VectorGemm}: the C tile. */
    static final int GEMM_C = 1;
    /** {@link VectorGemm}: packed B of the general product. */
    static final int GEMM_B = 2;
    /** {@link VectorGemm}: one row or column on its way into a packed array. */
    static final int GEMM_LINE = 3;
    /** {@link VectorKernels}: the first operand row. */
    static final int VECTOR_0 = 4;
    /** {@link VectorKernels}: the second operand row. */
    static final int VECTOR_1 = 5;
    /** {@link CpuRowKernels} and {@link CpuGemm}'s sum of partial products: the row being updated. */
    static final int ROW_0 = 6;
    /** {@link CpuRowKernels} and {@link CpuGemm}'s sum of partial products: the row added to it. */
    static final int ROW_1 = 7;
    /** {@link Kernels#sumSquares}: the chunk being summed. */
    static final int CHUNK = 8;

    /** {@link Kernels#sumSquares}: its double accumulators. */
    static final int SUM_LANES = 16;

    private static final ThreadLocal<float[][]> SLOTS = ThreadLocal.withInitial(() -> new float[9][0]);
    private static final ThreadLocal<double[]> LANES = ThreadLocal.withInitial(() -> new double[SUM_LANES]);

    private Scratch() {
    }

    /**
     * The calling thread's array of {@code slot}, at least {@code n} long (its contents are left over
     * from the last use).
     *
     * @param slot one of the constants
     * @param n the floats needed
     * @return the array
     */
    static float[] floats(int slot, int n) {
        float[][] s = SLOTS.get();
        if (s[slot].length < n) {
            s[slot] = new float[Math.max(n, 2 * s[slot].length)];
        }
        return s[slot];
    }

    /** The calling thread's {@link #SUM_LANES} doubles of {@link Kernels#sumSquares}, zeroed. */
    static double[] zeroedLanes() {
        double[] a = LANES.get();
        java.util.Arrays.fill(a, 0.0);
        return a;
    }
}
