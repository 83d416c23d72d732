package io.rnn4j.backend.cpu;
// Diagnostic harness for docs/PERFORMANCE.md (not part of the build); see ../README.md.
import java.nio.FloatBuffer;
import java.util.SplittableRandom;
/**
 * The packed Vector API product of one recurrent step on one thread, data in cache:
 * C[rows × n] = bias + A[rows × k] · P (P packed once), best of 20 rounds of 20,000 calls (args: rows k n).
 */
public class PackedProductTiming {
  public static void main(String[] x) {
    int rows = x.length > 0 ? Integer.parseInt(x[0]) : 25, k = x.length > 1 ? Integer.parseInt(x[1]) : 128;
    int n = x.length > 2 ? Integer.parseInt(x[2]) : 128;
    PackedGemm g = VectorSupport.GEMM;
    if (g == null) {
      System.out.println("no Vector API module: run with --add-modules jdk.incubator.vector");
      return;
    }
    FloatBuffer a = FloatBuffer.allocate(rows * k), b = FloatBuffer.allocate(k * n);
    FloatBuffer c = FloatBuffer.allocate(rows * n), bias = FloatBuffer.allocate(n);
    SplittableRandom r = new SplittableRandom(1);
    for (int i = 0; i < rows * k; i++) a.put(i, (float) r.nextDouble());
    for (int i = 0; i < k * n; i++) b.put(i, (float) r.nextDouble());
    float[] p = g.pack(b, 0, n, false, k, n, null);
    int reps = 20_000;
    double best = Double.MAX_VALUE;
    for (int round = 0; round < 30; round++) {
      long t0 = System.nanoTime();
      for (int i = 0; i < reps; i++) g.multiplyFrom(bias, 0, a, 0, k, rows, k, p, n, c, 0, n);
      double us = (System.nanoTime() - t0) / 1e3 / reps;
      if (round >= 10) best = Math.min(best, us); // the first 10 rounds warm the JIT up
    }
    System.out.printf("%d x %d x %d: best %.3f us a call, %.1f GFLOP/s (one thread)%n", rows, k, n, best, 2.0 * rows * k * n / best / 1e3);
  }
}
