package io.rnn4j.backend.cpu;

/**
 * Row-major single-precision GEMM on CPU buffers:
 * {@code C ← alpha · op(A) · op(B) + beta · C}, {@code op(A)} is {@code m × k}, {@code op(B)} is
 * {@code k × n}, leading dimensions in elements. Callers guarantee {@code m, n, k > 0}.
 */
interface Gemm {
    void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
               CpuBuffer a, long aOffset, int lda, CpuBuffer b, long bOffset, int ldb,
               float beta, CpuBuffer c, long cOffset, int ldc);

    /** Name for logs and {@link io.rnn4j.backend.Backend#description()}. */
    String describe();
}
