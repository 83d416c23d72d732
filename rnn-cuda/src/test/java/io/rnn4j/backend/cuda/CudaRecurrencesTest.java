package io.rnn4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rnn4j.backend.Activation;
import io.rnn4j.backend.Backend;
import io.rnn4j.backend.Tensor;
import io.rnn4j.backend.cpu.CpuBackend;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The persistent recurrences take the path their plan says, and give the CPU's numbers on it: the
 * cluster kernels on sm_90 and later, the cooperative grid kernels otherwise (or with clusters off),
 * step by step for PReLU and for sweeps that do not fit on the device at once; a cluster plan that the
 * driver says cannot run (no cluster fits) falls back instead of failing the launch (issue 22, defect
 * 4). The emulated device has 4 multiprocessors, so its plans differ from a large GPU's where noted.
 */
class CudaRecurrencesTest {
    private static final double TOL = 2e-5;

    @AfterEach
    void clear() {
        System.clearProperty(CudaSwitches.PREFIX + "persistent");
        System.clearProperty(CudaSwitches.PREFIX + "clusters");
    }

    private static CudaBackend persistent(boolean clusters) {
        System.setProperty(CudaSwitches.PREFIX + "persistent", "true");
        System.setProperty(CudaSwitches.PREFIX + "clusters", Boolean.toString(clusters));
        return CudaTestSupport.newBackend();
    }

    private static float[] random(SplittableRandom r, int n, double scale) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (scale * (2 * r.nextDouble() - 1));
        }
        return x;
    }

    private static Tensor put(Backend be, int rows, int cols, float[] v) {
        Tensor t = be.allocate(rows, cols);
        be.upload(v, 0, t);
        return t;
    }

    private static float[] get(Backend be, Tensor t) {
        float[] out = new float[(int) t.size()];
        be.download(t, out, 0);
        return out;
    }

    private static void close(float[] want, float[] got, String what) {
        double worst = 0;
        for (int i = 0; i < want.length; i++) {
            worst = Math.max(worst, Math.abs(want[i] - got[i]) / Math.max(1, Math.abs(want[i])));
        }
        assertTrue(worst < TOL, what + ": differs from the CPU by " + worst);
    }

    /** An Elman sweep forward and back on `be` and on the CPU; returns the path `be` took forward. */
    private static String elman(CudaBackend be, Activation f, int h, int b, int t) {
        SplittableRandom r = new SplittableRandom(h * 31 + b);
        float[] u = random(r, h * h, 1.0 / Math.sqrt(h));
        float[] pre = random(r, t * b * h, 0.5);
        float[] h0 = random(r, b * h, 0.5);
        float[] grad = random(r, t * b * h, 0.1);
        float[] hidden = new float[(t + 1) * b * h];
        System.arraycopy(h0, 0, hidden, 0, h0.length);
        float[] slope = random(r, h, 0.2);
        String path;
        float[][] results = new float[2][];
        float[][] grads = new float[2][];
        float[][] squares = new float[2][];
        Backend[] backends = {be, new CpuBackend()};
        for (int k = 0; k < 2; k++) {
            Backend x = backends[k];
            Tensor tu = put(x, h, h, u);
            Tensor tp = put(x, t * b, h, pre);
            Tensor th = put(x, (t + 1) * b, h, hidden);
            Tensor ts = put(x, 1, h, slope);
            Tensor tg = put(x, t * b, h, grad);
            Tensor sg = x.allocate(1, h);
            Tensor sq = x.allocate(t, 2);
            x.recurrentForward(f, tu, tp, th, f == Activation.PRELU ? ts : null, b);
            results[k] = get(x, th);
            x.recurrentBackward(f, tu, tp, th, tg, f == Activation.PRELU ? ts : null,
                    f == Activation.PRELU ? sg : null, b, sq);
            grads[k] = get(x, tg);
            squares[k] = get(x, sq);
        }
        path = be.lastRecurrencePath();
        backends[1].close();
        close(results[1], results[0], f + " H" + h + " forward");
        close(grads[1], grads[0], f + " H" + h + " backward");
        close(squares[1], squares[0], f + " H" + h + " step squares");
        return path;
    }

    @Test
    void elmanSweepsRunAsClustersOnHopperAndAsOneGridElsewhere() {
        try (CudaBackend be = persistent(true)) {
            String path = elman(be, Activation.TANH, 32, 4, 5);
            assertEquals(be.major() >= 9 ? "cluster" : "grid", path, "H = 32, a multiple of 8");
            assertEquals("grid", elman(be, Activation.LOGISTIC, 36, 4, 5), "H = 36: no clusters (not a multiple of 8)");
            assertEquals("stepwise", elman(be, Activation.PRELU, 32, 4, 5), "PReLU: step by step");
        }
        try (CudaBackend be = persistent(false)) {
            assertEquals("grid", elman(be, Activation.RELU, 32, 4, 5), "clusters switched off");
        }
    }

    /** Defect 4: on 4 multiprocessors a cluster of eight 130 KiB blocks never fits; before the fix the launch failed. */
    @Test
    void aClusterPlanThatCannotRunFallsBack() {
        try (CudaBackend be = persistent(true)) {
            String path = elman(be, Activation.TANH, 512, 2, 3);
            if (CudaTestSupport.emulated()) {
                assertNotEquals("cluster", path, "no cluster of 8 x 130 KiB fits on 4 SMs");
            }
        }
    }

    @Test
    void gatedSweepsRunAsOneGridWhenTheyFitAndStepByStepWhenNot() {
        try (CudaBackend be = persistent(true)) {
            SplittableRandom r = new SplittableRandom(3);
            for (int h : new int[] {32, 256}) {
                int b = 2;
                int t = 3;
                Tensor u = put(be, 4 * h, h, random(r, 4 * h * h, 0.1));
                Tensor gates = put(be, t * b, 4 * h, random(r, t * b * 4 * h, 0.5));
                Tensor hidden = be.allocate((t + 1) * b, h);
                Tensor cells = be.allocate((t + 1) * b, h);
                Tensor tanhC = be.allocate(t * b, h);
                boolean whole = be.lstmRecurrentForward(u, gates, hidden, cells, tanhC, b);
                if (h == 32) {
                    assertTrue(whole, "H = 32: the persistent LSTM sweep runs");
                    assertEquals("grid", be.lastRecurrencePath());
                } else if (CudaTestSupport.emulated()) {
                    assertTrue(!whole && be.lastRecurrencePath().equals("stepwise"),
                            "H = 256 on 4 SMs: 22 blocks of 48 KiB are not resident at once");
                }
            }
        }
    }
}
