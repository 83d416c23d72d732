package io.rnn4j.backend.cpu;
// Diagnostic harness for docs/PERFORMANCE.md (not part of the build); see ../README.md.
import java.nio.*;
import java.util.SplittableRandom;
/** Softmax cross-entropy rows on one thread, data in cache: ns per element at a given width (args: cols rows). */
public class SoftmaxTiming {
  public static void main(String[] a) {
    int cols = a.length > 0 ? Integer.parseInt(a[0]) : 2000, rows = a.length > 1 ? Integer.parseInt(a[1]) : 64;
    SplittableRandom r = new SplittableRandom(1);
    FloatBuffer z0 = ByteBuffer.allocateDirect(4 * rows * cols).order(ByteOrder.nativeOrder()).asFloatBuffer();
    for (int i = 0; i < rows * cols; i++) z0.put(i, (float) (6 * r.nextDouble() - 3));
    FloatBuffer z = ByteBuffer.allocateDirect(4 * rows * cols).order(ByteOrder.nativeOrder()).asFloatBuffer();
    VectorOps v = VectorSupport.OPS;
    System.out.println(v == null ? "scalar kernels (no Vector API module)" : "Vector API kernels");
    double sink = 0;
    com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    int reps = a.length > 2 ? Integer.parseInt(a[2]) : 10;
    for (int rep = 0; rep < reps; rep++) {
      long heap0 = mx.getThreadAllocatedBytes(Thread.currentThread().getId());
      int it = Math.max(1, 2_000_000 / (rows * cols)) * 20;
      long copy = 0, t = 0;
      for (int i = 0; i < it; i++) {
        long c0 = System.nanoTime();
        z.put(0, z0, 0, rows * cols);
        long c1 = System.nanoTime();
        for (int row = 0; row < rows; row++) {
          sink += v == null ? Kernels.softmaxRow(z, row * cols, cols, row % cols, 1f, 0.01f)
                  : v.softmaxRow(z, row * cols, cols, row % cols, 1f, 0.01f);
        }
        long c2 = System.nanoTime();
        copy += c1 - c0;
        t += c2 - c1;
      }
      long heap = mx.getThreadAllocatedBytes(Thread.currentThread().getId()) - heap0;
      System.out.printf("cols %d: %.3f ns per element (%.2f us per row), heap %d bytes per row%n", cols, t / (double) it / rows / cols, t / 1e3 / it / rows, heap / it / rows);
    }
    System.out.println(sink);
  }
}
