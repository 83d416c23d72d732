package io.rnn4j.backend.cpu;

import java.nio.FloatBuffer;

/**
 * Pure-Java GEMM, used when OpenBLAS cannot load (or when forced). Correct for every transpose
 * combination and stride, cache-friendly in its inner loop, single-threaded; far slower than
 * OpenBLAS. Accumulates in float32 like BLAS.
 */
final class JavaGemm implements Gemm {

    @Override
    public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                      CpuBuffer a, long aOffset, int lda, CpuBuffer b, long bOffset, int ldb,
                      float beta, CpuBuffer c, long cOffset, int ldc) {
        FloatBuffer A = a.data();
        FloatBuffer B = b.data();
        FloatBuffer C = c.data();
        int ao = (int) aOffset;
        int bo = (int) bOffset;
        int co = (int) cOffset;
        for (int i = 0; i < m; i++) {
            int crow = co + i * ldc;
            if (beta == 0f) {
                for (int j = 0; j < n; j++) {
                    C.put(crow + j, 0f);
                }
            } else if (beta != 1f) {
                for (int j = 0; j < n; j++) {
                    C.put(crow + j, beta * C.get(crow + j));
                }
            }
            for (int p = 0; p < k; p++) {
                float aip = alpha * (transA ? A.get(ao + p * lda + i) : A.get(ao + i * lda + p));
                if (aip == 0f) {
                    continue;
                }
                if (!transB) {
                    int brow = bo + p * ldb;
                    for (int j = 0; j < n; j++) {
                        C.put(crow + j, C.get(crow + j) + aip * B.get(brow + j));
                    }
                } else {
                    for (int j = 0; j < n; j++) {
                        C.put(crow + j, C.get(crow + j) + aip * B.get(bo + j * ldb + p));
                    }
                }
            }
        }
    }

    @Override
    public String describe() {
        return "pure-Java GEMM";
    }
}
