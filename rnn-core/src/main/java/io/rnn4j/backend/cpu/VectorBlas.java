package io.rnn4j.backend.cpu;

/**
 * {@link Gemm} on the Vector API's packed GEMM ({@link PackedGemm#gemm}) for the products where
 * packing pays, and another {@link Gemm} (OpenBLAS) for the rest. Used by the CPU backend when the
 * JVM has the Vector API module (see {@link VectorSupport}): on machines whose widest vectors the
 * OpenBLAS build does not use (it is pinned to AVX2 kernels on the project's machine, which has
 * AVX-512), the packed kernel runs at up to about twice OpenBLAS's rate. Packing reads A and B once
 * per product, about {@code 1/(2m) + 1/(2n)} floats per flop, so the packed path takes products
 * whose C is at least {@value #MIN_SIDE} × {@value #MIN_SIDE} (per thread's part) and whose columns
 * fill the kernel's panels to at least 80% (n = 65 would compute 96 columns); the others go to the
 * fallback. Single-threaded per call, like {@link OpenBlasGemm}.
 */
final class VectorBlas implements Gemm {
    /** Smallest m and n (of one thread's part) that the packed path takes; measured (docs/PERFORMANCE.md). */
    static final int MIN_SIDE = 64;
    private final PackedGemm packed;
    private final Gemm fallback;

    VectorBlas(PackedGemm packed, Gemm fallback) {
        this.packed = packed;
        this.fallback = fallback;
    }

    @Override
    public void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha, CpuBuffer a, long aOffset,
                      int lda, CpuBuffer b, long bOffset, int ldb, float beta, CpuBuffer c, long cOffset, int ldc) {
        int w = packed.panelWidth();
        int padding = (n + w - 1) / w * w - n;
        if (m < MIN_SIDE || n < MIN_SIDE || k < 16 || 4 * padding > n) {
            fallback.sgemm(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
            return;
        }
        packed.gemm(transA, transB, m, n, k, alpha, a.data(), Math.toIntExact(aOffset), lda, b.data(),
                Math.toIntExact(bOffset), ldb, beta, c.data(), Math.toIntExact(cOffset), ldc);
    }

    @Override
    public String describe() {
        return "Vector API packed GEMM (" + packed.panelWidth() / 2 + " float lanes) for products of at least "
                + MIN_SIDE + " x " + MIN_SIDE + ", " + fallback.describe() + " for the rest";
    }
}
