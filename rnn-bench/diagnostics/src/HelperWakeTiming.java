// Diagnostic harness for docs/PERFORMANCE.md (not part of the build); see README.md.
import io.rnn4j.backend.Tensor;
import io.rnn4j.backend.cpu.CpuBackend;
import io.rnn4j.backend.cpu.CpuBackendConfig;
/**
 * What a parallel kernel costs after the calling thread has worked alone for a while: the backend's
 * sum of squares over n floats (a two-part call from 2^15 floats), timed after a single-threaded gap
 * of 0 µs to 1 ms, median and p90 of 1,500 calls (args: n threads). The helpers spin for 200 µs after
 * a call and then park; a call that finds them parked waits for them to wake.
 */
public class HelperWakeTiming {
  static void busy(long ns) { long t = System.nanoTime(); while (System.nanoTime() - t < ns) Thread.onSpinWait(); }
  public static void main(String[] x) {
    int n = x.length > 0 ? Integer.parseInt(x[0]) : 33024, th = x.length > 1 ? Integer.parseInt(x[1]) : 2;
    try (CpuBackend be = new CpuBackend(CpuBackendConfig.defaults().withThreads(th))) {
      Tensor a = be.allocate(1, n), o = be.allocate(1, 1);
      float[] h = new float[n];
      for (int i = 0; i < n; i++) h[i] = (float) Math.sin(i);
      be.upload(h, 0, a);
      for (long gap : new long[] {0, 50_000, 150_000, 190_000, 250_000, 1_000_000}) {
        double[] all = new double[2000];
        for (int i = 0; i < all.length; i++) {
          busy(gap);
          long t0 = System.nanoTime();
          be.sumSquares(a, o, false);
          all[i] = (System.nanoTime() - t0) / 1e3;
        }
        java.util.Arrays.sort(all, 500, 2000); // the first 500 warm the JIT up
        System.out.printf("threads %d, n %d, after %4d us alone: median %.1f us, p90 %.1f%n", th, n, gap / 1000, all[1250], all[1850]);
      }
    }
  }
}
