/**
 * The CUDA backend of the rnn4j backend SPI. This module is the home of the cuBLAS and NVRTC
 * implementation (tracked separately); until it lands the module contributes no provider, so a
 * class path with it selects the CPU backend.
 */
package io.rnn4j.backend.cuda;
