package io.rnn4j.backend.cpu;

import java.nio.FloatBuffer;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link VectorKernels#softmaxRow}: one row of softmax cross-entropy on the Vector API, with the scalar
 * loop's bits ({@link Kernels#softmaxRow}): the maximum, the exponentials with {@link FastMath#exp}'s
 * operations, their sum in {@link FastMath#blockSum}'s order, and the scaling. Each loop is written so
 * that C2 intrinsifies it whole on JDK 17: no vector carried around a loop, and no compilation with more
 * vector operations than its node budget holds (docs/PERFORMANCE.md, "The Vector API path allocates").
 */
final class VectorSoftmax {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private VectorSoftmax() {
    }

    /** {@link VectorOps#softmaxRow}. */
    static double row(FloatBuffer z, int zb, int cols, int y, float wr, float gradScale) {
        float[] a = Scratch.floats(Scratch.VECTOR_0, cols);
        z.get(zb, a, 0, cols);
        float max = max(a, cols);
        double zy = (double) a[y] - max;
        exps(a, cols, max);
        double total = blockSum(a, cols);
        scale(a, cols, (float) (gradScale * wr / total));
        a[y] = a[y] - gradScale * wr;
        z.put(zb, a, 0, cols);
        return wr * (Math.log(total) - zy);
    }

    /**
     * The largest of {@code a[0, n)} (NaN if any is): each four vectors' lane-wise maxima reduced to one
     * float. {@code max} and the reduction are {@link Math#max} (NaN wins, −0 below +0), which makes the
     * result independent of the order, so it is the scalar loop's. No vector is carried from one
     * iteration to the next: at a loop's merge C2 may box it (measured: 400 bytes a row with four running
     * maxima). The scalar loop's serial chain of maxima cost a quarter of a 2,000-column row (perf).
     */
    private static float max(float[] a, int n) {
        int l = S.length();
        int c = 0;
        float max = Float.NEGATIVE_INFINITY;
        for (int up = n / (4 * l) * (4 * l); c < up; c += 4 * l) {
            FloatVector m = FloatVector.fromArray(S, a, c).max(FloatVector.fromArray(S, a, c + l))
                    .max(FloatVector.fromArray(S, a, c + 2 * l).max(FloatVector.fromArray(S, a, c + 3 * l)));
            max = Math.max(max, m.reduceLanes(VectorOperators.MAX));
        }
        for (; c < n; c++) {
            max = Math.max(max, a[c]);
        }
        return max;
    }

    /**
     * {@code a[i] = exp(a[i] − max)} on [0, n): {@link FastMath#exp}'s operations in its order, lane by
     * lane, so the same bits. The vector loop is split in two: the range reduction, then the polynomial
     * with its power of two; they pass r and the rounded multiple of log2(e) through a second scratch row.
     * Written as one loop of about 30 vector operations, its compilation reached C2's node budget before
     * the last store, which then ran as the Vector API's Java fallback (measured: 1.2 MB allocated per step
     * at 65/512/64/100). {@link #expScale} checks its bounds and so stays a compilation of its own (see
     * VectorKernels' tanh loop); the reduction is small enough to be inlined here.
     */
    private static void exps(float[] a, int n, float max) {
        float[] t = Scratch.floats(Scratch.VECTOR_1, n);
        int up = S.loopBound(n);
        for (int c = 0; c < up; c += S.length()) {
            FloatVector x = FloatVector.fromArray(S, a, c).sub(max);
            FloatVector e = x.min(FastMath.EXP_MAX).max(FastMath.EXP_MIN);
            FloatVector r = e.mul(FastMath.LOG2E).add(FastMath.ROUND);
            r.intoArray(t, c);
            FloatVector k = r.sub(FastMath.ROUND);
            e.sub(k.mul(FastMath.LN2_HI)).sub(k.mul(FastMath.LN2_LO)).intoArray(a, c);
        }
        expScale(a, t, up, n, max);
    }

    /**
     * The second half of {@link #exps}: on the vector part [0, up) {@code a[i] = P(r)·2^k}, with the
     * remainder r in {@code a[i]} and {@code t[i] = c·log2(e) + 1.5·2^23} holding k in its low mantissa
     * bits ({@link FastMath#exp}'s polynomial and its two factors of a power of two); on the tail [up, n)
     * the scalar {@code FastMath.exp(a[i] − max)}.
     */
    private static void expScale(float[] a, float[] t, int up, int n, float max) {
        if (n < 0 || n > a.length) {
            throw new IndexOutOfBoundsException("exp: " + n + " floats exceed the " + a.length + "-float scratch row");
        }
        if (up < 0 || up > n || up > t.length) {
            throw new IndexOutOfBoundsException("exp: the vector part's " + up + " floats exceed the " + n
                    + "-float row or the " + t.length + "-float row of its exponents");
        }
        if (up % S.length() != 0) {
            // The loop would run past up into the tail, whose remainders the scalar loop does not expect.
            throw new IllegalArgumentException("exp: the vector part's " + up + " floats are not a multiple of the "
                    + S.length() + " lanes");
        }
        int c = 0;
        for (; c < up; c += S.length()) {
            FloatVector r = FloatVector.fromArray(S, a, c);
            FloatVector p = FloatVector.broadcast(S, 1.98412698e-4f);
            p = p.mul(r).add(1.38888889e-3f);
            p = p.mul(r).add(8.33333333e-3f);
            p = p.mul(r).add(4.16666667e-2f);
            p = p.mul(r).add(1.66666667e-1f);
            p = p.mul(r).add(0.5f);
            p = p.mul(r).add(1f);
            p = p.mul(r).add(1f);
            // (int) k from t's bits: exact for |k| < 2^22; a NaN's garbage meets a NaN p. JDK 17's F2I
            // conversion allocates; a reinterpretation does not.
            IntVector ki = (IntVector) FloatVector.fromArray(S, t, c).reinterpretAsInts().sub(0x4B400000);
            IntVector half = ki.lanewise(VectorOperators.ASHR, 1);
            FloatVector f1 = half.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            FloatVector f2 = ki.sub(half).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            p.mul(f1).mul(f2).intoArray(a, c);
        }
        for (; c < n; c++) {
            a[c] = FastMath.exp(a[c] - max);
        }
    }

    /**
     * {@link FastMath#blockSum} of {@code a[0, n)}, the same bits: each block's 16 lane sums kept in a
     * 16-float array, to which every row of 16 is added a vector at a time (through memory, so that no
     * vector is carried around the loop; see {@link #max}), the partial last row by scalar additions
     * into its lanes, and the 16 lane sums added in lane order. Vectors wider than 16 floats (none on x86)
     * take the scalar loop through a wrapper, one small object per row.
     */
    private static double blockSum(float[] a, int n) {
        int lanes = S.length();
        if (FastMath.SUM_LANES % lanes != 0) {
            return FastMath.blockSum(java.nio.FloatBuffer.wrap(a), 0, n);
        }
        float[] f = Scratch.floats(Scratch.VECTOR_1, FastMath.SUM_LANES);
        double total = 0;
        for (int b = 0; b < n; b += FastMath.SUM_BLOCK) {
            int end = Math.min(b + FastMath.SUM_BLOCK, n);
            int rows = b + (end - b) / FastMath.SUM_LANES * FastMath.SUM_LANES;
            for (int o = 0; o < FastMath.SUM_LANES; o += lanes) {
                FloatVector.zero(S).intoArray(f, o);
            }
            for (int i = b; i < rows; i += FastMath.SUM_LANES) {
                for (int o = 0; o < FastMath.SUM_LANES; o += lanes) {
                    FloatVector.fromArray(S, f, o).add(FloatVector.fromArray(S, a, i + o)).intoArray(f, o);
                }
            }
            for (int i = rows; i < end; i++) {
                f[i - rows] += a[i];
            }
            for (int l = 0; l < FastMath.SUM_LANES; l++) {
                total += f[l];
            }
        }
        return total;
    }

    /** {@code a[i] = k·a[i]} on [0, n) (a loop the JIT vectorizes by itself). */
    private static void scale(float[] a, int n, float k) {
        for (int c = 0; c < n; c++) {
            a[c] = k * a[c];
        }
    }
}
