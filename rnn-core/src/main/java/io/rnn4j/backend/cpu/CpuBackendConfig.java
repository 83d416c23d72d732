package io.rnn4j.backend.cpu;

/**
 * Settings of the CPU backend.
 *
 * @param threads OpenBLAS threads for GEMM; {@code 0} means one per available processor. The
 *     OpenBLAS thread count is process-wide; the backend sets it before its calls when it differs.
 * @param nativeBlas use OpenBLAS when it loads (default); {@code false} forces the pure-Java GEMM
 */
public record CpuBackendConfig(int threads, boolean nativeBlas) {

    /** System property read by {@link #defaults()} for {@link #threads()}. */
    public static final String THREADS_PROPERTY = "rnn4j.cpu.threads";

    /**
     * Checks the components.
     *
     * @param threads OpenBLAS threads for GEMM; {@code 0} means one per available processor. The
     *     OpenBLAS thread count is process-wide; the backend sets it before its calls when it differs.
     * @param nativeBlas use OpenBLAS when it loads (default); {@code false} forces the pure-Java GEMM
     */
    public CpuBackendConfig {
        if (threads < 0) {
            throw new IllegalArgumentException("threads must be >= 0 (0 = all processors), got " + threads);
        }
    }

    /** {@return all processors (or {@code -Drnn4j.cpu.threads=N}), native BLAS when available} */
    public static CpuBackendConfig defaults() {
        return new CpuBackendConfig(Integer.getInteger(THREADS_PROPERTY, 0), true);
    }

    /** {@return the thread count with 0 resolved to the number of available processors} */
    public int resolvedThreads() {
        return threads == 0 ? Runtime.getRuntime().availableProcessors() : threads;
    }

    /**
     * A copy with another thread count.
     *
     * @param n threads, 0 for all processors
     * @return the copy
     */
    public CpuBackendConfig withThreads(int n) {
        return new CpuBackendConfig(n, nativeBlas);
    }

    /**
     * A copy that uses (or does not use) native BLAS.
     *
     * @param use true to use OpenBLAS when it loads
     * @return the copy
     */
    public CpuBackendConfig withNativeBlas(boolean use) {
        return new CpuBackendConfig(threads, use);
    }
}
