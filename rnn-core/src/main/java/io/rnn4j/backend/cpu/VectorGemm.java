package io.rnn4j.backend.cpu;

import java.nio.FloatBuffer;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link PackedGemm} on the JDK's Vector API: a micro-kernel of 8 (or 4) rows × 2 vectors of columns
 * (16 or 8 accumulators held in registers), one broadcast of A and two loads of the packed panel per
 * inner step. A and C are copied per call into per-thread arrays (A padded with zero rows to a
 * multiple of 4, C to whole panels), so the kernel runs on plain arrays. Loaded only when the module
 * is readable ({@link VectorSupport}); never referenced otherwise. The accumulators never leave
 * the kernel methods (no vector is passed to a call that might not be inlined, which would make the
 * JIT box them), so they stay in registers.
 */
final class VectorGemm implements PackedGemm {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final int W = 2 * L;
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[2][0]);

    @Override
    public int panelWidth() {
        return W;
    }

    private static int padded(int n) {
        return (n + W - 1) / W * W;
    }

    @Override
    public float[] pack(FloatBuffer m, long mo, int ld, boolean transpose, int k, int n, float[] into) {
        int np = padded(n);
        float[] p = into != null && into.length >= np * k ? into : new float[np * k];
        int base = Math.toIntExact(mo);
        for (int j0 = 0; j0 < np; j0 += W) {
            int pb = j0 * k;
            int w = Math.min(W, n - j0);
            for (int kk = 0; kk < k; kk++) {
                int o = pb + kk * W;
                if (transpose) {
                    for (int j = 0; j < w; j++) {
                        p[o + j] = m.get(base + (j0 + j) * ld + kk);
                    }
                } else {
                    m.get(base + kk * ld + j0, p, o, w);
                }
                for (int j = w; j < W; j++) {
                    p[o + j] = 0f;
                }
            }
        }
        return p;
    }

    private static float[] scratch(int which, int n) {
        float[][] s = SCRATCH.get();
        if (s[which].length < n) {
            s[which] = new float[Math.max(n, 2 * s[which].length)];
        }
        return s[which];
    }

    @Override
    public void multiplyAdd(FloatBuffer a, int ao, int lda, int rows, int k, float[] packed, int n, FloatBuffer c,
                            int co, int ldc) {
        int rp = (rows + 3) & ~3;
        int np = padded(n);
        float[] as = scratch(0, rp * k);
        float[] cs = scratch(1, rp * np);
        for (int r = 0; r < rows; r++) {
            a.get(ao + r * lda, as, r * k, k);
            c.get(co + r * ldc, cs, r * np, n);
        }
        java.util.Arrays.fill(as, rows * k, rp * k, 0f);
        for (int j0 = 0; j0 < np; j0 += W) {
            int r = 0;
            for (; r + 8 <= rp; r += 8) {
                kernel8(as, r * k, k, packed, j0 * k, cs, r * np + j0, np);
            }
            if (r < rp) {
                kernel4(as, r * k, k, packed, j0 * k, cs, r * np + j0, np);
            }
        }
        for (int r = 0; r < rows; r++) {
            c.put(co + r * ldc, cs, r * np, n);
        }
    }

    private static void kernel8(float[] a, int a0, int k, float[] p, int pb, float[] c, int c0, int ldc) {
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c01 = c00;
        FloatVector c10 = c00;
        FloatVector c11 = c00;
        FloatVector c20 = c00;
        FloatVector c21 = c00;
        FloatVector c30 = c00;
        FloatVector c31 = c00;
        FloatVector c40 = c00;
        FloatVector c41 = c00;
        FloatVector c50 = c00;
        FloatVector c51 = c00;
        FloatVector c60 = c00;
        FloatVector c61 = c00;
        FloatVector c70 = c00;
        FloatVector c71 = c00;
        int a1 = a0 + k;
        int a2 = a1 + k;
        int a3 = a2 + k;
        int a4 = a3 + k;
        int a5 = a4 + k;
        int a6 = a5 + k;
        int a7 = a6 + k;
        for (int kk = 0; kk < k; kk++) {
            int o = pb + kk * W;
            FloatVector b0 = FloatVector.fromArray(S, p, o);
            FloatVector b1 = FloatVector.fromArray(S, p, o + L);
            FloatVector x = FloatVector.broadcast(S, a[a0 + kk]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[a1 + kk]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[a2 + kk]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[a3 + kk]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, a[a4 + kk]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, a[a5 + kk]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(S, a[a6 + kk]);
            c60 = x.fma(b0, c60);
            c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(S, a[a7 + kk]);
            c70 = x.fma(b0, c70);
            c71 = x.fma(b1, c71);
        }
        c00.add(FloatVector.fromArray(S, c, c0)).intoArray(c, c0);
        c01.add(FloatVector.fromArray(S, c, c0 + L)).intoArray(c, c0 + L);
        c10.add(FloatVector.fromArray(S, c, c0 + ldc)).intoArray(c, c0 + ldc);
        c11.add(FloatVector.fromArray(S, c, c0 + ldc + L)).intoArray(c, c0 + ldc + L);
        c20.add(FloatVector.fromArray(S, c, c0 + 2 * ldc)).intoArray(c, c0 + 2 * ldc);
        c21.add(FloatVector.fromArray(S, c, c0 + 2 * ldc + L)).intoArray(c, c0 + 2 * ldc + L);
        c30.add(FloatVector.fromArray(S, c, c0 + 3 * ldc)).intoArray(c, c0 + 3 * ldc);
        c31.add(FloatVector.fromArray(S, c, c0 + 3 * ldc + L)).intoArray(c, c0 + 3 * ldc + L);
        c40.add(FloatVector.fromArray(S, c, c0 + 4 * ldc)).intoArray(c, c0 + 4 * ldc);
        c41.add(FloatVector.fromArray(S, c, c0 + 4 * ldc + L)).intoArray(c, c0 + 4 * ldc + L);
        c50.add(FloatVector.fromArray(S, c, c0 + 5 * ldc)).intoArray(c, c0 + 5 * ldc);
        c51.add(FloatVector.fromArray(S, c, c0 + 5 * ldc + L)).intoArray(c, c0 + 5 * ldc + L);
        c60.add(FloatVector.fromArray(S, c, c0 + 6 * ldc)).intoArray(c, c0 + 6 * ldc);
        c61.add(FloatVector.fromArray(S, c, c0 + 6 * ldc + L)).intoArray(c, c0 + 6 * ldc + L);
        c70.add(FloatVector.fromArray(S, c, c0 + 7 * ldc)).intoArray(c, c0 + 7 * ldc);
        c71.add(FloatVector.fromArray(S, c, c0 + 7 * ldc + L)).intoArray(c, c0 + 7 * ldc + L);
    }

    private static void kernel4(float[] a, int a0, int k, float[] p, int pb, float[] c, int c0, int ldc) {
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c01 = c00;
        FloatVector c10 = c00;
        FloatVector c11 = c00;
        FloatVector c20 = c00;
        FloatVector c21 = c00;
        FloatVector c30 = c00;
        FloatVector c31 = c00;
        int a1 = a0 + k;
        int a2 = a1 + k;
        int a3 = a2 + k;
        for (int kk = 0; kk < k; kk++) {
            int o = pb + kk * W;
            FloatVector b0 = FloatVector.fromArray(S, p, o);
            FloatVector b1 = FloatVector.fromArray(S, p, o + L);
            FloatVector x = FloatVector.broadcast(S, a[a0 + kk]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[a1 + kk]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[a2 + kk]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[a3 + kk]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
        }
        c00.add(FloatVector.fromArray(S, c, c0)).intoArray(c, c0);
        c01.add(FloatVector.fromArray(S, c, c0 + L)).intoArray(c, c0 + L);
        c10.add(FloatVector.fromArray(S, c, c0 + ldc)).intoArray(c, c0 + ldc);
        c11.add(FloatVector.fromArray(S, c, c0 + ldc + L)).intoArray(c, c0 + ldc + L);
        c20.add(FloatVector.fromArray(S, c, c0 + 2 * ldc)).intoArray(c, c0 + 2 * ldc);
        c21.add(FloatVector.fromArray(S, c, c0 + 2 * ldc + L)).intoArray(c, c0 + 2 * ldc + L);
        c30.add(FloatVector.fromArray(S, c, c0 + 3 * ldc)).intoArray(c, c0 + 3 * ldc);
        c31.add(FloatVector.fromArray(S, c, c0 + 3 * ldc + L)).intoArray(c, c0 + 3 * ldc + L);
    }

}
