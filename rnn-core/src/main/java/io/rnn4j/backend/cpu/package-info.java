/**
 * The CPU backend: OpenBLAS {@code cblas_sgemm} through JavaCPP on off-heap memory, with a
 * pure-Java GEMM fallback when the native library cannot load, and the fused element-wise kernels
 * as tight Java loops. When the JVM has the JDK's Vector API module
 * ({@code --add-modules jdk.incubator.vector}), tanh and its derivative run vectorized and a packed,
 * register-blocked GEMM on the widest vectors takes the recurrences (U packed once per sequence; a
 * split by U's output columns at small batch and large H) and the larger products. Always
 * available; priority {@link io.rnn4j.backend.BackendProvider#CPU_PRIORITY}.
 */
package io.rnn4j.backend.cpu;
