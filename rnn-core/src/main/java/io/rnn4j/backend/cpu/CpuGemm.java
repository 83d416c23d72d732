package io.rnn4j.backend.cpu;

import io.rnn4j.backend.Tensor;
import io.rnn4j.backend.internal.Shapes;
import java.nio.FloatBuffer;

/**
 * GEMM on the CPU backend: one single-threaded {@link Gemm} call per thread, each on its own row
 * (or column) block of C; small products run on the calling thread alone. A product with a small C
 * and a long inner dimension (a weight gradient summed over every token of a small model, such as
 * {@code dU = Hᵀ · δ} at H = 128 over 2,500 tokens) is split over the inner dimension instead: each
 * thread multiplies its own range of tokens, part 0 into C and the others into partial products that
 * the calling thread then adds to C in part order. A row split there makes every thread read all of
 * the long operand (measured at 65/128/50/50 on two cores: the {@code dU} product 0.71–0.73 ms a step
 * split by rows, 0.61 split over k; docs/PERFORMANCE.md).
 */
final class CpuGemm {
    /** Largest C (floats) that is split over the inner dimension: 256 KiB, a core's L2 share with room. */
    static final int SPLIT_K_MAX_C = 65_536;
    /** The inner dimension must be at least this many times C's larger side for the inner split. */
    static final int SPLIT_K_RATIO = 4;

    private final CpuBackend be;
    private final GemmTask task = new GemmTask();
    /** Parts 1.. of an inner split: part p's product at (p − 1) · SPLIT_K_MAX_C; allocated at first use. */
    private CpuBuffer partialProducts;

    CpuGemm(CpuBackend be) {
        this.be = be;
    }

    void gemm(Tensor c, Tensor a, boolean transA, Tensor b, boolean transB, float alpha, float beta) {
        int k = Shapes.gemmOrDegenerate(be, c, a, transA, b, transB, beta);
        if (k == 0) {
            return;
        }
        int m = c.rows();
        int n = c.cols();
        GemmTask g = task;
        g.set(transA, transB, m, n, k, alpha, be.buf(a), a.offset(), CpuBackend.ld(a), be.buf(b), b.offset(),
                CpuBackend.ld(b), beta, be.buf(c), c.offset(), CpuBackend.ld(c));
        double flops = 2.0 * m * n * k;
        int parts = flops >= CpuBackend.PARALLEL_GEMM_FLOPS
                ? Math.max(1, Math.min(be.threads, Math.max(m, n) / 8)) : 1;
        g.splitRows = m >= n;
        g.splitK = parts > 1 && splitInner(m, n, k);
        if (g.splitK && partialProducts == null) {
            partialProducts = CpuBuffer.scratch((long) (be.workers.size() - 1) * SPLIT_K_MAX_C);
        }
        be.workers.run(g, parts);
        if (g.splitK) {
            addPartials(be.buf(c).data(), Math.toIntExact(c.offset()), CpuBackend.ld(c), m, n, parts);
        }
    }

    /** Whether a product of this shape is split over its inner dimension (see the class comment). */
    static boolean splitInner(int m, int n, int k) {
        return (long) m * n <= SPLIT_K_MAX_C && k >= SPLIT_K_RATIO * (long) Math.max(m, n);
    }

    /**
     * C += the partial products of parts 1 .. parts − 1, in part order (so the bits do not depend on
     * timing): a row at a time through two scratch rows, a loop that the JIT vectorizes.
     */
    private void addPartials(FloatBuffer cd, int co, int ldc, int m, int n, int parts) {
        FloatBuffer pd = partialProducts.data();
        float[] row = Scratch.floats(Scratch.ROW_0, n);
        float[] add = Scratch.floats(Scratch.ROW_1, n);
        for (int i = 0; i < m; i++) {
            cd.get(co + i * ldc, row, 0, n);
            for (int p = 1; p < parts; p++) {
                pd.get((p - 1) * SPLIT_K_MAX_C + i * n, add, 0, n);
                for (int j = 0; j < n; j++) {
                    row[j] += add[j];
                }
            }
            cd.put(co + i * ldc, row, 0, n);
        }
    }

    /** One GEMM, split into row or column blocks of C. */
    private final class GemmTask implements CpuWorkers.Task {
        boolean ta;
        boolean tb;
        int m;
        int n;
        int k;
        float alpha;
        float beta;
        CpuBuffer a;
        CpuBuffer b;
        CpuBuffer c;
        long aOff;
        long bOff;
        long cOff;
        int lda;
        int ldb;
        int ldc;
        boolean splitRows;
        /** Split over k: part 0 into C, part p > 0 into its partial product (C's shape, leading dimension n). */
        boolean splitK;

        void set(boolean ta, boolean tb, int m, int n, int k, float alpha, CpuBuffer a, long aOff, int lda,
                 CpuBuffer b, long bOff, int ldb, float beta, CpuBuffer c, long cOff, int ldc) {
            this.ta = ta;
            this.tb = tb;
            this.m = m;
            this.n = n;
            this.k = k;
            this.alpha = alpha;
            this.a = a;
            this.aOff = aOff;
            this.lda = lda;
            this.b = b;
            this.bOff = bOff;
            this.ldb = ldb;
            this.beta = beta;
            this.c = c;
            this.cOff = cOff;
            this.ldc = ldc;
        }

        @Override
        public void run(int part, int parts) {
            if (splitK) {
                int k0 = CpuBackend.lo(k, part, parts);
                int k1 = CpuBackend.lo(k, part + 1, parts);
                long ao = ta ? aOff + (long) k0 * lda : aOff + k0;
                long bo = tb ? bOff + k0 : bOff + (long) k0 * ldb;
                if (part == 0) {
                    be.gemm.sgemm(ta, tb, m, n, k1 - k0, alpha, a, ao, lda, b, bo, ldb, beta, c, cOff, ldc);
                } else {
                    be.gemm.sgemm(ta, tb, m, n, k1 - k0, alpha, a, ao, lda, b, bo, ldb, 0f, partialProducts,
                            (long) (part - 1) * SPLIT_K_MAX_C, n);
                }
            } else if (splitRows) {
                int r0 = CpuBackend.lo(m, part, parts);
                int r1 = CpuBackend.lo(m, part + 1, parts);
                if (r1 > r0) {
                    long ao = ta ? aOff + r0 : aOff + (long) r0 * lda;
                    be.gemm.sgemm(ta, tb, r1 - r0, n, k, alpha, a, ao, lda, b, bOff, ldb, beta, c,
                            cOff + (long) r0 * ldc, ldc);
                }
            } else {
                int c0 = CpuBackend.lo(n, part, parts);
                int c1 = CpuBackend.lo(n, part + 1, parts);
                if (c1 > c0) {
                    long bo = tb ? bOff + (long) c0 * ldb : bOff + c0;
                    be.gemm.sgemm(ta, tb, m, c1 - c0, k, alpha, a, aOff, lda, b, bo, ldb, beta, c, cOff + c0, ldc);
                }
            }
        }
    }
}
