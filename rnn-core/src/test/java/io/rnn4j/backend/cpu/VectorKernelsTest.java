package io.rnn4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The vectorized element-wise loops give the scalar loops' bits, for every lane position, every
 * tail length and the special values; and the fast path is on exactly when the Vector API module
 * is in the JVM (the build runs this class both ways: without the module, and with it and
 * {@code -Drnn4j.test.vector=true}).
 */
class VectorKernelsTest {

    @Test
    void theFastPathIsOnExactlyWhenTheModuleIsThere() {
        boolean module = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
        if (Boolean.getBoolean("rnn4j.test.vector")) {
            assertNotNull(VectorSupport.OPS, "this run has --add-modules jdk.incubator.vector: the vector path must be on");
        } else if (!module) {
            assertNull(VectorSupport.OPS, "without the module the scalar loops run");
        }
    }

    private static FloatBuffer direct(float[] v) {
        FloatBuffer b = ByteBuffer.allocateDirect(v.length * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
        b.put(0, v);
        return b;
    }

    private static float[] values() {
        SplittableRandom r = new SplittableRandom(3);
        float[] v = new float[4099];
        for (int i = 0; i < v.length; i++) {
            v[i] = switch (i % 7) {
                case 0 -> Float.intBitsToFloat(r.nextInt()); // any bit pattern, NaN and infinities included
                case 1 -> (float) r.nextDouble(-100, 100);
                case 2 -> (float) r.nextDouble(-10, 10);
                case 3 -> (float) r.nextDouble(-1, 1);
                default -> (float) r.nextGaussian() * 3;
            };
        }
        float[] special = {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 9f, -9f, 8.999999f,
            88.7228317f, -87.3365479f, 89f, -88f, Float.MIN_VALUE, Float.MAX_VALUE, -Float.MAX_VALUE};
        System.arraycopy(special, 0, v, 0, special.length);
        return v;
    }

    @Test
    void vectorLoopsGiveTheScalarBits() {
        VectorOps ops = VectorSupport.OPS;
        org.junit.jupiter.api.Assumptions.assumeTrue(ops != null, "no Vector API module in this run (the scalar path"
                + " runs; the build's second test run covers this one)");
        float[] v = values();
        for (int n : new int[] {1, 3, 7, 8, 15, 16, 17, 31, 33, 64, 65, 128, 1000, v.length - 5}) {
            for (int off : new int[] {0, 1, 5}) {
                FloatBuffer s = direct(v);
                FloatBuffer h = direct(new float[v.length]);
                ops.tanh(s, off, h, off, n);
                FloatBuffer g = direct(v);
                ops.tanhBackward(h, off, g, off, n);
                for (int i = off; i < off + n; i++) {
                    float th = FastMath.tanh(v[i]);
                    assertEquals(Float.floatToIntBits(th), Float.floatToIntBits(h.get(i)), "tanh(" + v[i] + ")");
                    assertEquals(Float.floatToIntBits(v[i] * (1f - th * th)), Float.floatToIntBits(g.get(i)),
                            "tanh backward at " + v[i]);
                }
                if (off + n < v.length) {
                    assertEquals(0f, h.get(off + n), "nothing written past n");
                }
            }
        }
        assertNull(VectorSupport.selfCheck(ops));
    }

    private static float[] rand(SplittableRandom r, int n, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextGaussian() * scale);
        }
        return v;
    }

    private static void sameBits(FloatBuffer want, FloatBuffer got, String what) {
        for (int i = 0; i < want.capacity(); i++) {
            assertEquals(Float.floatToIntBits(want.get(i)), Float.floatToIntBits(got.get(i)), what + " at " + i);
        }
    }

    /** The LSTM and GRU cells on the Vector API give the scalar loops' bits, for unit ranges with every tail. */
    @Test
    void vectorCellsGiveTheScalarBits() {
        org.junit.jupiter.api.Assumptions.assumeTrue(VectorSupport.OPS != null, "no Vector API module in this run");
        SplittableRandom r = new SplittableRandom(5);
        int rows = 3;
        for (int h : new int[] {5, 17, 40}) {
            for (int[] range : new int[][] {{0, h}, {1, h - 1}, {h / 2, h}}) {
                int j0 = range[0];
                int j1 = range[1];
                float[] g = rand(r, rows * 4 * h, 3);
                float[] c = rand(r, 2 * rows * h, 2);
                float[] t = rand(r, rows * h, 0.5);
                float[] d = rand(r, rows * h, 1);
                float[] dc = rand(r, rows * h, 1);
                FloatBuffer[] a = {direct(g), direct(c), direct(new float[rows * h]), direct(new float[rows * h])};
                FloatBuffer[] b = {direct(g), direct(c), direct(new float[rows * h]), direct(new float[rows * h])};
                Kernels.lstmForwardScalar(a[0], 0, 4 * h, a[1], 0, h, a[1], rows * h, h, a[2], 0, h, a[3], 0, h, 0, rows,
                        j0, j1, h);
                Kernels.lstmForward(b[0], 0, 4 * h, b[1], 0, h, b[1], rows * h, h, b[2], 0, h, b[3], 0, h, 0, rows, j0,
                        j1, h);
                for (int i = 0; i < 4; i++) {
                    sameBits(a[i], b[i], "lstm forward operand " + i + ", H " + h);
                }
                FloatBuffer[] x = {direct(g), direct(c), direct(t), direct(d), direct(dc), direct(new float[rows * 4 * h])};
                FloatBuffer[] y = {direct(g), direct(c), direct(t), direct(d), direct(dc), direct(new float[rows * 4 * h])};
                Kernels.lstmBackwardScalar(x[0], 0, 4 * h, x[1], 0, h, x[2], 0, h, x[3], 0, h, x[4], 0, h, x[5], 0, 4 * h,
                        0, rows, j0, j1, h);
                Kernels.lstmBackward(y[0], 0, 4 * h, y[1], 0, h, y[2], 0, h, y[3], 0, h, y[4], 0, h, y[5], 0, 4 * h, 0,
                        rows, j0, j1, h);
                for (int i = 0; i < 6; i++) {
                    sameBits(x[i], y[i], "lstm backward operand " + i + ", H " + h);
                }
                float[] xg = rand(r, rows * 3 * h, 2);
                float[] hg = rand(r, rows * 3 * h, 2);
                float[] hp = rand(r, rows * h, 1);
                FloatBuffer[] p = {direct(xg), direct(hg), direct(hp), direct(new float[rows * h]),
                    direct(new float[rows * 3 * h])};
                FloatBuffer[] q = {direct(xg), direct(hg), direct(hp), direct(new float[rows * h]),
                    direct(new float[rows * 3 * h])};
                Kernels.gruForwardScalar(p[0], 0, 3 * h, p[1], 0, 3 * h, p[2], 0, h, p[3], 0, h, p[4], 0, 3 * h, 0, rows,
                        j0, j1, h);
                Kernels.gruForward(q[0], 0, 3 * h, q[1], 0, 3 * h, q[2], 0, h, q[3], 0, h, q[4], 0, 3 * h, 0, rows, j0,
                        j1, h);
                for (int i = 0; i < 5; i++) {
                    sameBits(p[i], q[i], "gru forward operand " + i + ", H " + h);
                }
                float[] acts = rand(r, rows * 3 * h, 0.4);
                FloatBuffer[] u = {direct(acts), direct(hg), direct(hp), direct(d), direct(new float[rows * 3 * h]),
                    direct(new float[rows * 3 * h]), direct(new float[rows * h])};
                FloatBuffer[] w = {direct(acts), direct(hg), direct(hp), direct(d), direct(new float[rows * 3 * h]),
                    direct(new float[rows * 3 * h]), direct(new float[rows * h])};
                Kernels.gruBackwardScalar(u[0], 0, 3 * h, u[1], 0, 3 * h, u[2], 0, h, u[3], 0, h, u[4], 0, 3 * h, u[5], 0,
                        3 * h, u[6], 0, h, 0, rows, j0, j1, h);
                Kernels.gruBackward(w[0], 0, 3 * h, w[1], 0, 3 * h, w[2], 0, h, w[3], 0, h, w[4], 0, 3 * h, w[5], 0,
                        3 * h, w[6], 0, h, 0, rows, j0, j1, h);
                for (int i = 0; i < 7; i++) {
                    sameBits(u[i], w[i], "gru backward operand " + i + ", H " + h);
                }
            }
        }
    }

    /** Softmax cross-entropy rows on the Vector API give the scalar loop's bits, losses included, at every width. */
    @Test
    void vectorSoftmaxGivesTheScalarBits() {
        org.junit.jupiter.api.Assumptions.assumeTrue(VectorSupport.OPS != null, "no Vector API module in this run");
        SplittableRandom r = new SplittableRandom(11);
        for (int cols : new int[] {1, 2, 5, 15, 16, 17, 33, 64, 65, 100, 127, 128, 129, 255, 257, 1000, 2000}) {
            for (int trial = 0; trial < 22; trial++) {
                float[] z = rand(r, cols, trial < 10 ? 3 : 60);  // large logits reach the clamps
                if (trial == 19 && cols > 3) {
                    z[1] = Float.NEGATIVE_INFINITY;
                    z[cols - 1] = Float.NEGATIVE_INFINITY;
                }
                if (trial == 20) {
                    z[r.nextInt(cols)] = Float.NaN;  // the maximum is NaN whichever lane holds it
                }
                if (trial == 21) {
                    z[cols - 1] = 200f;  // the largest logit in the last lane or the scalar tail
                }
                int y = r.nextInt(cols);
                float w = trial % 3 == 0 ? 0.25f : 1f;
                FloatBuffer a = direct(z);
                FloatBuffer b = direct(z);
                double la = Kernels.softmaxRow(a, 0, cols, y, w, 0.01f);
                double lb = VectorSupport.OPS.softmaxRow(b, 0, cols, y, w, 0.01f);
                assertEquals(Double.doubleToLongBits(la), Double.doubleToLongBits(lb), "loss, cols " + cols);
                sameBits(a, b, "softmax gradient, cols " + cols + ", trial " + trial);
            }
        }
    }
}
