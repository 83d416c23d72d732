package io.rnn4j.backend.cpu;

/**
 * {@link Gemm} on the Vector API's packed GEMM ({@link PackedGemm#gemm}) or on another {@link Gemm}
 * (OpenBLAS), whichever is faster for the shape on this machine ({@link KernelChoice}: measured at the
 * shape's first call). Products too small for the packed kernel's blocking (fewer than 8 rows, 16
 * columns or an inner dimension of 16) go to the fallback unmeasured. Used by the CPU backend when the
 * JVM has the Vector API module (see {@link VectorSupport}). Single-threaded per call, like
 * {@link OpenBlasGemm}.
 */
final class VectorBlas implements Gemm {
    private final PackedGemm packed;
    private final Gemm fallback;

    VectorBlas(PackedGemm packed, Gemm fallback) {
        this.packed = packed;
        this.fallback = fallback;
    }

    @Override
    public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, CpuBuffer a, long aOffset,
                      int lda, CpuBuffer b, long bOffset, int ldb, float beta, CpuBuffer c, long cOffset, int ldc) {
        if (m < 8 || n < 16 || k < 16 || !KernelChoice.packedGemm(transA, transB, m, n, k, fallback, packed)) {
            fallback.sgemm(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
            return;
        }
        packed.gemm(transA, transB, m, n, k, alpha, a.data(), Math.toIntExact(aOffset), lda, b.data(),
                Math.toIntExact(bOffset), ldb, beta, c.data(), Math.toIntExact(cOffset), ldc);
    }

    @Override
    public String describe() {
        return "Vector API packed GEMM (" + packed.panelWidth() / 2 + " float lanes) or " + fallback.describe()
                + ", whichever is faster for each shape (measured at its first call)";
    }
}
