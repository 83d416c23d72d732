/**
 * The CUDA backend of the rnn4j backend SPI: cuBLAS for every GEMM (row-major by operand swapping,
 * TF32 off unless {@code -Drnn4j.cuda.tf32=true}), and the fused kernels of
 * {@code kernels.cu} compiled at first use by NVRTC to a cubin for the device's own architecture.
 * Putting this module on the class path is all a user does: its provider outranks the CPU one when
 * a CUDA 13 driver and device are present, and says why not otherwise.
 */
package io.rnn4j.backend.cuda;
