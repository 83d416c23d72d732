package io.rnn4j.backend.cpu;
// Diagnostic harness for docs/PERFORMANCE.md (not part of the build); see ../README.md.
import java.nio.*;
import java.util.SplittableRandom;
public class GruCellInCache {
  static FloatBuffer buf(int n, SplittableRandom r) { FloatBuffer b = ByteBuffer.allocateDirect(4*n).order(ByteOrder.nativeOrder()).asFloatBuffer(); for (int i=0;i<n;i++) b.put(i,(float)(2*r.nextDouble()-1)); return b; }
  public static void main(String[] a) {
    int rows = 32, h = 512;
    SplittableRandom r = new SplittableRandom(1);
    FloatBuffer x = buf(rows*3*h, r), hg = buf(rows*3*h, r), hp = buf(rows*h, r), ho = buf(rows*h, r), act = buf(rows*3*h, r);
    FloatBuffer g = buf(rows*4*h, r), g0 = buf(rows*4*h, r), cp = buf(rows*h, r), c = buf(rows*h, r), tc = buf(rows*h, r);
    for (int rep = 0; rep < 8; rep++) {
      int it = 2000;
      long t0 = System.nanoTime();
      for (int i = 0; i < it; i++) Kernels.gruForward(x, 0, 3*h, hg, 0, 3*h, hp, 0, h, ho, 0, h, act, 0, 3*h, 0, rows, 0, h, h);
      long t1 = System.nanoTime();
      for (int i = 0; i < it; i++) { g.put(0, g0, 0, rows*4*h); Kernels.lstmForward(g, 0, 4*h, cp, 0, h, c, 0, h, ho, 0, h, tc, 0, h, 0, rows, 0, h, h); }
      long t2 = System.nanoTime();
      System.out.printf("gru %.2f us/step-part  lstm(+copy) %.2f us%n", (t1-t0)/1e3/it, (t2-t1)/1e3/it);
    }
  }
}
