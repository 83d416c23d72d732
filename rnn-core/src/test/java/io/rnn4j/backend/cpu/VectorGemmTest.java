package io.rnn4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The packed GEMM of the recurrences against a float64 product, on direct buffers with strides and
 * offsets, over shapes with row and column tails (rows not a multiple of 4 or 8, columns not a
 * multiple of a panel). Runs where the Vector API module is present (the build's second test run).
 */
class VectorGemmTest {

    @ParameterizedTest
    @CsvSource({"1,1,1", "3,5,7", "4,32,16", "8,32,64", "9,33,70", "13,100,64", "17,64,130", "64,96,512"})
    void packedProductMatchesFloat64(int rows, int n, int k) {
        assumeTrue(Boolean.getBoolean("rnn4j.test.vector"), "Vector API module not on this test run");
        PackedGemm g = VectorSupport.GEMM;
        assertNotNull(g, "the packed GEMM must load when the module is present");
        assertNull(VectorSupport.selfCheck(g));
        Random r = new Random(rows * 31 + n * 7 + k);
        for (boolean transpose : new boolean[] {false, true}) {
            int ld = (transpose ? k : n) + 3; // a wider matrix: the block is a slice of its rows
            int mOff = 5;
            int rowsM = transpose ? n : k;
            FloatBuffer m = direct(mOff + rowsM * ld);
            fill(m, r);
            int lda = k + 2;
            int ldc = n + 4;
            FloatBuffer a = direct(7 + rows * lda);
            FloatBuffer c = direct(3 + rows * ldc);
            fill(a, r);
            fill(c, r);
            float[] before = new float[c.capacity()];
            c.get(0, before);
            float[] p = g.pack(m, mOff, ld, transpose, k, n, null);
            g.multiplyAdd(a, 7, lda, rows, k, p, n, c, 3, ldc);
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < n; j++) {
                    double want = before[3 + i * ldc + j];
                    for (int kk = 0; kk < k; kk++) {
                        float b = transpose ? m.get(mOff + j * ld + kk) : m.get(mOff + kk * ld + j);
                        want += (double) a.get(7 + i * lda + kk) * b;
                    }
                    assertEquals(want, c.get(3 + i * ldc + j), 1e-5 * (1 + Math.sqrt(k)),
                            "C[" + i + "][" + j + "] transpose=" + transpose);
                }
                for (int j = n; j < ldc && 3 + i * ldc + j < c.capacity(); j++) {
                    assertEquals(before[3 + i * ldc + j], c.get(3 + i * ldc + j), "outside the block: untouched");
                }
            }
        }
    }

    private static FloatBuffer direct(int n) {
        return ByteBuffer.allocateDirect(4 * n).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    private static void fill(FloatBuffer b, Random r) {
        for (int i = 0; i < b.capacity(); i++) {
            b.put(i, (float) r.nextGaussian());
        }
    }
}
