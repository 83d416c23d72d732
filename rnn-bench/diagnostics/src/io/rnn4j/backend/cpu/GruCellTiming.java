package io.rnn4j.backend.cpu;
// Diagnostic harness for docs/PERFORMANCE.md (not part of the build); see ../README.md.
import java.nio.*;
import java.util.SplittableRandom;
public class GruCellTiming {
  static FloatBuffer buf(int n, SplittableRandom r) { FloatBuffer b = ByteBuffer.allocateDirect(4*n).order(ByteOrder.nativeOrder()).asFloatBuffer(); for (int i=0;i<n;i++) b.put(i,(float)(2*r.nextDouble()-1)); return b; }
  public static void main(String[] a) throws Exception {
    int threads = Integer.parseInt(a[0]); boolean thrash = Boolean.parseBoolean(a[1]);
    Thread[] ts = new Thread[threads];
    for (int q = 0; q < threads; q++) {
      final int id = q;
      ts[q] = new Thread(() -> {
        int B = 32, rows = 32, h = 512, T = 100;
        SplittableRandom r = new SplittableRandom(1 + id);
        FloatBuffer x = buf(T*B*3*h, r), hg = buf(T*B*3*h, r), hid = buf((T+1)*B*h, r), act = buf(T*B*3*h, r);
        float[] big = new float[768 * 1024]; // 3 MB, like the packed U
        float sink = 0;
        for (int rep = 0; rep < 8; rep++) {
          long cell = 0;
          for (int it = 0; it < 20; it++) {
            for (int t = 0; t < T; t++) {
              if (thrash) { for (int i = 0; i < big.length; i += 16) sink += big[i]; }
              long t0 = System.nanoTime();
              Kernels.gruForward(x, t*B*3*h, 3*h, hg, t*B*3*h, 3*h, hid, t*B*h, h, hid, (t+1)*B*h, h, act, t*B*3*h, 3*h, 0, rows, 0, h, h);
              cell += System.nanoTime() - t0;
            }
          }
          if (rep >= 5) System.out.printf("thread %d: gru %.2f us/step-part %s%n", id, cell/1e3/2000, sink > 1e30 ? "" : "");
        }
      });
      ts[q].start();
    }
    for (Thread t : ts) t.join();
  }
}
