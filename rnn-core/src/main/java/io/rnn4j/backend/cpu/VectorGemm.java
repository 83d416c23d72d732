package io.rnn4j.backend.cpu;

import java.nio.FloatBuffer;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link PackedGemm} on the JDK's Vector API: a micro-kernel of 8 (or 4) rows × 2 vectors of columns
 * (16 or 8 accumulators held in registers), one broadcast of A and two loads of the packed panel per
 * inner step. A is packed per call into a per-thread array (blocks of rows, k-major, rows
 * interleaved, so the broadcasts read consecutive floats) and C is accumulated in one (padded to
 * whole panels), so the kernels run on plain arrays. Loaded only when the module
 * is readable ({@link VectorSupport}); never referenced otherwise. The accumulators never leave
 * the kernel methods (no vector is passed to a call that might not be inlined, which would make the
 * JIT box them), so they stay in registers.
 */
final class VectorGemm implements PackedGemm {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final int W = 2 * L;
    /**
     * Rows of the main micro-kernel: 8 where the vectors are 16 lanes (AVX-512: 32 vector registers hold
     * its 16 accumulators and the operands), 6 where they are narrower (AVX2 has 16 registers: 12
     * accumulators, 2 panel vectors and a broadcast; 8 rows would spill).
     */
    private static final int MR = L >= 16 ? 8 : 6;
    /** Inner-dimension chunk of the general product: a packed panel slice is KC × W floats (64 KiB). */
    private static final int KC = 512;
    /** Columns of B packed at a time (over all of k: the per-thread packed B is at most k × NC floats). */
    private static final int NC = 512;
    /** Rows of A per C tile (a C tile is at most MC × NC floats, 256 KiB). */
    private static final int MC = 128;

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
        if (!transpose) {
            // row kk of the block is contiguous: one bulk read, then a copy per panel
            float[] row = Scratch.floats(Scratch.GEMM_LINE, np);
            java.util.Arrays.fill(row, n, np, 0f);
            for (int kk = 0; kk < k; kk++) {
                m.get(base + kk * ld, row, 0, n);
                for (int j0 = 0; j0 < np; j0 += W) {
                    System.arraycopy(row, j0, p, j0 * k + kk * W, W);
                }
            }
        } else {
            // column j of the block is a contiguous row of the stored matrix: one bulk read, then
            // a strided copy into its panel
            float[] col = Scratch.floats(Scratch.GEMM_LINE, k);
            for (int j = 0; j < np; j++) {
                int o = (j / W) * W * k + (j % W);
                if (j < n) {
                    m.get(base + j * ld, col, 0, k);
                    for (int kk = 0; kk < k; kk++) {
                        p[o + kk * W] = col[kk];
                    }
                } else {
                    for (int kk = 0; kk < k; kk++) {
                        p[o + kk * W] = 0f;
                    }
                }
            }
        }
        return p;
    }

    @Override
    public void multiplyAdd(FloatBuffer a, int ao, int lda, int rows, int k, float[] packed, int n, FloatBuffer c,
                            int co, int ldc) {
        tile(packA(false, a, ao, lda, 0, rows, 0, k, 1f), rows, k, packed, n, c, co, ldc);
    }

    @Override
    public void multiplyFrom(FloatBuffer bias, int bo, FloatBuffer a, int ao, int lda, int rows, int k, float[] packed,
                             int n, FloatBuffer c, int co, int ldc) {
        float[] as = packA(false, a, ao, lda, 0, rows, 0, k, 1f);
        int np = padded(n);
        float[] cs = rowTile(bias, bo, rows, n, np);
        accumulate(as, rows, k, packed, k, 0, np, cs);
        storeTile(cs, c, co, ldc, rows, n, np);
    }

    /** Rows padded to whole blocks: blocks of {@link #MR}, and a last block of 4 where at most 4 rows remain. */
    private static int paddedRows(int rows) {
        int tail = rows % MR;
        return tail == 0 ? rows : rows - tail + (tail <= 4 ? 4 : MR);
    }

    /** The width of the row block that starts at {@code r0} of {@code rp} padded rows. */
    private static int blockWidth(int r0, int rp) {
        return r0 + MR <= rp ? MR : 4;
    }

    /** C[rows × n] += A · P: A packed by {@link #packA}, P packed panels. */
    private static void tile(float[] as, int rows, int k, float[] packed, int n, FloatBuffer c, int co, int ldc) {
        int np = padded(n);
        float[] cs = loadTile(c, co, ldc, rows, n, np, 1f);
        accumulate(as, rows, k, packed, k, 0, np, cs);
        storeTile(cs, c, co, ldc, rows, n, np);
    }

    /** C's rows × n block at co, times beta (0: zeros, whatever C held), into the tile array (row stride np). */
    private static float[] loadTile(FloatBuffer c, int co, int ldc, int rows, int n, int np, float beta) {
        float[] cs = Scratch.floats(Scratch.GEMM_C, paddedRows(rows) * np);
        for (int r = 0; r < rows; r++) {
            if (beta == 0f) {
                java.util.Arrays.fill(cs, r * np, r * np + n, 0f);
                continue;
            }
            c.get(co + r * ldc, cs, r * np, n);
            if (beta != 1f) {
                for (int j = r * np, e = j + n; j < e; j++) {
                    cs[j] *= beta;
                }
            }
        }
        return cs;
    }

    /** The tile (row stride np) with the row vector at bo in each of its rows × n (zeros for a null row). */
    private static float[] rowTile(FloatBuffer bias, int bo, int rows, int n, int np) {
        float[] cs = Scratch.floats(Scratch.GEMM_C, paddedRows(rows) * np);
        if (bias == null) {
            java.util.Arrays.fill(cs, 0, rows * np, 0f);
            return cs;
        }
        bias.get(bo, cs, 0, n);
        for (int r = 1; r < rows; r++) {
            System.arraycopy(cs, 0, cs, r * np, n);
        }
        return cs;
    }

    /** The tile's rows × n back into C at co. */
    private static void storeTile(float[] cs, FloatBuffer c, int co, int ldc, int rows, int n, int np) {
        for (int r = 0; r < rows; r++) {
            c.put(co + r * ldc, cs, r * np, n);
        }
    }

    /**
     * {@code cs += A · P[pc, pc + kc)}: A packed ({@code rows × kc}), P panels packed over {@code kp}
     * inner rows (this call uses rows [pc, pc + kc) of each), cs row stride {@code np}.
     */
    private static void accumulate(float[] as, int rows, int kc, float[] packed, int kp, int pc, int np,
                                   float[] cs) {
        int rp = paddedRows(rows);
        for (int j0 = 0; j0 < np; j0 += W) {
            int pb = j0 * kp + pc * W;
            int r = 0;
            for (; r + MR <= rp; r += MR) {
                if (MR == 8) {
                    kernel8(as, r * kc, kc, packed, pb, cs, r * np + j0, np);
                } else {
                    kernel6(as, r * kc, kc, packed, pb, cs, r * np + j0, np);
                }
            }
            if (r < rp) {
                kernel4(as, r * kc, kc, packed, pb, cs, r * np + j0, np);
            }
        }
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, FloatBuffer a, int ao,
                     int lda, FloatBuffer b, int bo, int ldb, float beta, FloatBuffer c, int co, int ldc) {
        if (k == 0 || alpha == 0f) {
            if (beta != 1f) {
                storeTile(loadTile(c, co, ldc, m, n, n, beta), c, co, ldc, m, n, n);
            }
            return;
        }
        for (int jc = 0; jc < n; jc += NC) {
            int nc = Math.min(NC, n - jc);
            int np = padded(nc);
            // B's columns [jc, jc + nc) packed once over all of k, then reused by every row block
            float[] p = pack(b, transB ? bo + jc * ldb : bo + jc, ldb, transB, k, nc, Scratch.floats(Scratch.GEMM_B, np * k));
            for (int ic = 0; ic < m; ic += MC) {
                int mc = Math.min(MC, m - ic);
                int cb = co + ic * ldc + jc;
                float[] cs = loadTile(c, cb, ldc, mc, nc, np, beta); // beta applied on the way in
                for (int pc = 0; pc < k; pc += KC) {
                    int kc = Math.min(KC, k - pc);
                    accumulate(packA(transA, a, ao, lda, ic, mc, pc, kc, alpha), mc, kc, p, k, pc, np, cs);
                }
                storeTile(cs, c, cb, ldc, mc, nc, np);
            }
        }
    }

    /**
     * Rows [ic, ic + mc) of op(A), inner range [pc, pc + kc), times alpha, packed for the kernels:
     * blocks of 8 rows (a last block of 4 where at most 4 remain), each block k-major with its rows
     * interleaved ({@code as[r0·kc + kk·bw + r]}), padding rows zero. Both storage orders of A are
     * read a contiguous run at a time.
     */
    private static float[] packA(boolean transA, FloatBuffer a, int ao, int lda, int ic, int mc, int pc, int kc,
                                 float alpha) {
        int rp = paddedRows(mc);
        float[] as = Scratch.floats(Scratch.GEMM_A, rp * kc);
        if (!transA) {
            float[] row = Scratch.floats(Scratch.GEMM_LINE, kc);
            for (int i = 0; i < rp; i++) {
                int r0 = i - i % MR;
                int bw = blockWidth(r0, rp);
                int base = r0 * kc + (i - r0);
                if (i < mc) {
                    a.get(ao + (ic + i) * lda + pc, row, 0, kc);
                    for (int kk = 0; kk < kc; kk++) {
                        as[base + kk * bw] = row[kk] * alpha;
                    }
                } else {
                    for (int kk = 0; kk < kc; kk++) {
                        as[base + kk * bw] = 0f;
                    }
                }
            }
        } else {
            float[] col = Scratch.floats(Scratch.GEMM_LINE, rp);
            java.util.Arrays.fill(col, mc, rp, 0f);
            for (int kk = 0; kk < kc; kk++) {
                a.get(ao + (pc + kk) * lda + ic, col, 0, mc);
                for (int r0 = 0; r0 < rp; r0 += MR) {
                    int bw = blockWidth(r0, rp);
                    int base = r0 * kc + kk * bw;
                    for (int r = 0; r < bw; r++) {
                        as[base + r] = col[r0 + r] * alpha;
                    }
                }
            }
        }
        return as;
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
        for (int kk = 0; kk < k; kk++) {
            int o = pb + kk * W;
            int q = a0 + kk * 8;
            FloatVector b0 = FloatVector.fromArray(S, p, o);
            FloatVector b1 = FloatVector.fromArray(S, p, o + L);
            FloatVector x = FloatVector.broadcast(S, a[q + 0]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[q + 1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[q + 2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[q + 3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, a[q + 4]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, a[q + 5]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(S, a[q + 6]);
            c60 = x.fma(b0, c60);
            c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(S, a[q + 7]);
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

    private static void kernel6(float[] a, int a0, int k, float[] p, int pb, float[] c, int c0, int ldc) {
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
        for (int kk = 0; kk < k; kk++) {
            int o = pb + kk * W;
            int q = a0 + kk * 6;
            FloatVector b0 = FloatVector.fromArray(S, p, o);
            FloatVector b1 = FloatVector.fromArray(S, p, o + L);
            FloatVector x = FloatVector.broadcast(S, a[q + 0]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[q + 1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[q + 2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[q + 3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, a[q + 4]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, a[q + 5]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
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
        for (int kk = 0; kk < k; kk++) {
            int o = pb + kk * W;
            int q = a0 + kk * 4;
            FloatVector b0 = FloatVector.fromArray(S, p, o);
            FloatVector b1 = FloatVector.fromArray(S, p, o + L);
            FloatVector x = FloatVector.broadcast(S, a[q + 0]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[q + 1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[q + 2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[q + 3]);
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
