/**
 * The CPU backend: OpenBLAS {@code cblas_sgemm} through JavaCPP on off-heap memory, with a
 * pure-Java GEMM fallback when the native library cannot load, and the fused element-wise kernels
 * as tight Java loops. Always available; priority {@link io.rnn4j.backend.BackendProvider#CPU_PRIORITY}.
 */
package io.rnn4j.backend.cpu;
