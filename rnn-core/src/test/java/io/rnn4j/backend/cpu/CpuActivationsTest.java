package io.rnn4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rnn4j.backend.Activation;
import io.rnn4j.backend.Tensor;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The stand-alone activations split by rows over the threads give the bits of one thread (forward
 * and the input gradient), and PReLU's slope gradient the same sums to float rounding (each part's
 * rows are summed on their own, then the parts in order).
 */
class CpuActivationsTest {
    private static final int ROWS = 301;
    private static final int COLS = 129;

    private record Result(float[] h, float[] g, float[] slopeGrad) {
    }

    private static float[] random(int n, long seed, double scale) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
        }
        return a;
    }

    private static Result run(CpuBackend be, Activation f, float[] s, float[] g, float[] slopes) {
        Tensor S = be.allocate(ROWS, COLS);
        Tensor H = be.allocate(ROWS, COLS);
        Tensor G = be.allocate(ROWS, COLS);
        Tensor A = be.allocate(1, COLS);
        Tensor dA = be.allocate(1, COLS);
        be.upload(s, 0, S);
        be.upload(g, 0, G);
        be.upload(slopes, 0, A);
        be.fill(dA, 0.25f);
        be.activationForward(f, S, H, A);
        be.activationBackward(f, S, H, G, A, dA);
        float[] h = new float[ROWS * COLS];
        float[] dg = new float[ROWS * COLS];
        float[] da = new float[COLS];
        be.download(H, h, 0);
        be.download(G, dg, 0);
        be.download(dA, da, 0);
        return new Result(h, dg, da);
    }

    @ParameterizedTest
    @EnumSource(Activation.class)
    void twoThreadsGiveOneThreadsResults(Activation f) {
        float[] s = random(ROWS * COLS, 1, 4);
        float[] g = random(ROWS * COLS, 2, 1);
        float[] slopes = random(COLS, 3, 0.5);
        try (CpuBackend one = new CpuBackend(CpuBackendConfig.defaults().withThreads(1));
             CpuBackend two = new CpuBackend(CpuBackendConfig.defaults().withThreads(2))) {
            assertEquals(2, two.partsFor((long) ROWS * COLS), "this shape is split over two threads");
            Result a = run(one, f, s, g, slopes);
            Result b = run(two, f, s, g, slopes);
            assertArrayEquals(a.h(), b.h(), f + " forward");
            assertArrayEquals(a.g(), b.g(), f + " backward");
            for (int c = 0; c < COLS; c++) {
                float want = a.slopeGrad()[c];
                assertEquals(want, b.slopeGrad()[c], 1e-5f * Math.max(1f, Math.abs(want)),
                        f + " slope gradient, column " + c);
            }
            if (f != Activation.PRELU) {
                for (int c = 0; c < COLS; c++) {
                    assertEquals(0.25f, b.slopeGrad()[c], f + " leaves the slope gradient alone");
                }
            } else {
                boolean moved = false;
                for (int c = 0; c < COLS; c++) {
                    moved |= b.slopeGrad()[c] != 0.25f;
                }
                assertTrue(moved, "PReLU's slope gradient was accumulated");
            }
        }
    }
}
