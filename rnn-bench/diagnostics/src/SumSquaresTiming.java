// Diagnostic harness for docs/PERFORMANCE.md (not part of the build); see README.md.
import io.rnn4j.backend.Tensor;
import io.rnn4j.backend.cpu.CpuBackend;
import io.rnn4j.backend.cpu.CpuBackendConfig;
/**
 * The CPU backend's sum of squares (the clipping norm's reduction) over 33,024 to 2^20 floats, median
 * µs a call over 60 rounds (args: threads). Compare two jars by running it on each.
 */
public class SumSquaresTiming {
  public static void main(String[] x) {
    int th = x.length > 0 ? Integer.parseInt(x[0]) : 2;
    try (CpuBackend be = new CpuBackend(CpuBackendConfig.defaults().withThreads(th))) {
      for (int n : new int[] {33_024, 262_144, 1 << 20}) {
        Tensor a = be.allocate(1, n), o = be.allocate(1, 1);
        float[] h = new float[n];
        for (int i = 0; i < n; i++) h[i] = (float) Math.sin(i);
        be.upload(h, 0, a);
        double[] all = new double[60];
        int reps = Math.max(20, 20_000_000 / n);
        for (int r = 0; r < all.length; r++) {
          long t0 = System.nanoTime();
          for (int i = 0; i < reps; i++) be.sumSquares(a, o, false);
          all[r] = (System.nanoTime() - t0) / 1e3 / reps;
        }
        java.util.Arrays.sort(all);
        System.out.printf("threads %d, n %7d: median %.2f us a call%n", th, n, all[30]);
        a.buffer().close();
        o.buffer().close();
      }
    }
  }
}
