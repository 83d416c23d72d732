/** oneDNN's sgemm against OpenBLAS and rnn4j's CPU GEMM kernels at the shapes of rnn4j's training steps (built with -Ponednn). */
package io.rnn4j.bench.onednn;
