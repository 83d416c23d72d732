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
}
