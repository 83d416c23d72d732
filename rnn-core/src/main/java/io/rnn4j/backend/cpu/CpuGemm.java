package io.rnn4j.backend.cpu;

import io.rnn4j.backend.Tensor;
import io.rnn4j.backend.internal.Shapes;

/**
 * GEMM on the CPU backend: one single-threaded {@link Gemm} call per thread, each on its own row
 * (or column) block of C; small products run on the calling thread alone.
 */
final class CpuGemm {
    private final CpuBackend be;
    private final GemmTask task = new GemmTask();

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
        int parts = flops >= CpuBackend.PARALLEL_GEMM_FLOPS ? Math.min(be.threads, Math.max(m, n) / 8) : 1;
        g.splitRows = m >= n;
        be.workers.run(g, Math.max(1, parts));
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
            if (splitRows) {
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
