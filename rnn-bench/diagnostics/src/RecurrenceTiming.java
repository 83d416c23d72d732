// Diagnostic harness for docs/PERFORMANCE.md (not part of the build); see ../README.md.
import io.rnn4j.backend.*;
import io.rnn4j.backend.cpu.*;
import java.util.*;
public class RecurrenceTiming {
  public static void main(String[] a) {
    int H = Integer.parseInt(a[0]), B = Integer.parseInt(a[1]), T = Integer.parseInt(a[2]);
    Backend be = new CpuBackend(CpuBackendConfig.defaults().withThreads(2));
    SplittableRandom r = new SplittableRandom(1);
    Tensor u = rnd(be, H, H, 1/Math.sqrt(H), r), pre0 = rnd(be, T*B, H, 1, r), pre = be.allocate(T*B, H);
    Tensor hid = be.allocate((T+1)*B, H), g0 = rnd(be, T*B, H, 0.1, r), g = be.allocate(T*B, H);
    for (int rep = 0; rep < 6; rep++) {
      long f = 0, b = 0; int n = 0; long end = System.nanoTime() + 1_000_000_000L;
      while (System.nanoTime() < end) {
        be.copy(pre0, pre); be.copy(g0, g);
        long t0 = System.nanoTime(); be.recurrentForward(Activation.TANH, u, pre, hid, null, B); be.synchronize();
        long t1 = System.nanoTime(); be.recurrentBackward(Activation.TANH, u, pre, hid, g, null, null, B, null); be.synchronize();
        long t2 = System.nanoTime(); f += t1 - t0; b += t2 - t1; n++;
      }
      double fl = 2.0 * B * H * H * T;
      System.out.printf("fwd %.3f ms (%.1f us/step, %.0f GFLOP/s)  bwd %.3f ms (%.1f us/step)%n", f/1e6/n, f/1e3/n/T, fl/(f/(double)n), b/1e6/n, b/1e3/n/T);
    }
  }
  static Tensor rnd(Backend be, int rows, int cols, double s, SplittableRandom r) {
    float[] v = new float[rows*cols]; for (int i=0;i<v.length;i++) v[i]=(float)(s*(2*r.nextDouble()-1));
    Tensor t = be.allocate(rows, cols); be.upload(v, 0, t); return t;
  }
}
