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
    @CsvSource({"1,1,1", "2,40,9", "3,5,7", "4,32,16", "5,64,33", "6,31,20", "7,70,128", "8,32,64", "9,33,70",
            "13,100,64", "14,64,128", "15,33,50", "17,64,130", "25,128,128", "31,96,65", "64,96,512"})
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

    /**
     * The product from a row vector (the GRU's b_h + h·Uᵀ): the same bits as filling C with the row and
     * adding the product, C's old contents (NaN here) never read, nothing outside the block touched.
     */
    @ParameterizedTest
    @CsvSource({"1,1,1,true", "3,5,7,true", "7,40,30,false", "9,33,70,false", "13,100,64,true", "25,128,128,true",
            "32,96,512,true", "64,130,96,false"})
    void productFromARowIsFillThenAdd(int rows, int n, int k, boolean withBias) {
        assumeTrue(Boolean.getBoolean("rnn4j.test.vector"), "Vector API module not on this test run");
        PackedGemm g = VectorSupport.GEMM;
        assertNotNull(g, "the packed GEMM must load when the module is present");
        Random r = new Random(rows * 17 + n * 5 + k);
        FloatBuffer m = direct(k * n);
        fill(m, r);
        int lda = k + 1;
        int ldc = n + 3;
        FloatBuffer a = direct(2 + rows * lda);
        fill(a, r);
        FloatBuffer bias = direct(4 + n);
        fill(bias, r);
        float[] p = g.pack(m, 0, n, false, k, n, null);
        FloatBuffer want = direct(1 + rows * ldc);
        FloatBuffer got = direct(1 + rows * ldc);
        for (int i = 0; i < want.capacity(); i++) {
            want.put(i, -7f);
            got.put(i, Float.NaN);
        }
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < n; j++) {
                want.put(1 + i * ldc + j, withBias ? bias.get(4 + j) : 0f);
                got.put(1 + i * ldc + j, Float.NaN);
            }
        }
        g.multiplyAdd(a, 2, lda, rows, k, p, n, want, 1, ldc);
        g.multiplyFrom(withBias ? bias : null, 4, a, 2, lda, rows, k, p, n, got, 1, ldc);
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < ldc && 1 + i * ldc + j < got.capacity(); j++) {
                int at = 1 + i * ldc + j;
                if (j < n) {
                    assertEquals(Float.floatToIntBits(want.get(at)), Float.floatToIntBits(got.get(at)),
                            "C[" + i + "][" + j + "]: " + want.get(at) + " vs " + got.get(at));
                } else {
                    assertEquals(Float.NaN, got.get(at), "outside the block: untouched");
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

    /** The general product over both storage orders, alpha, beta (0 ignores NaN in C) and every blocking tail. */
    @ParameterizedTest
    @CsvSource({"1,1,1,false,false,1,0", "9,33,17,true,false,0.5,1", "130,129,600,false,true,1,0.5",
            "130,530,70,true,true,-2,0", "200,140,1030,true,false,1,1", "64,96,512,false,false,1,0",
            "135,40,50,false,false,1,1", "7,70,33,true,false,1,0", "262,33,20,true,true,0.5,0"})
    void generalProductMatchesFloat64(int m, int n, int k, boolean ta, boolean tb, float alpha, float beta) {
        assumeTrue(Boolean.getBoolean("rnn4j.test.vector"), "Vector API module not on this test run");
        PackedGemm g = VectorSupport.GEMM;
        assertNotNull(g, "the packed GEMM must load when the module is present");
        Random r = new Random(m * 131 + n * 17 + k);
        int lda = (ta ? m : k) + 1;
        int ldb = (tb ? k : n) + 2;
        int ldc = n + 3;
        FloatBuffer a = direct(4 + (ta ? k : m) * lda);
        FloatBuffer b = direct(6 + (tb ? n : k) * ldb);
        FloatBuffer c = direct(2 + m * ldc);
        fill(a, r);
        fill(b, r);
        fill(c, r);
        if (beta == 0f) {
            c.put(2, Float.NaN); // beta = 0: C's old contents are not read
        }
        float[] before = new float[c.capacity()];
        c.get(0, before);
        g.gemm(ta, tb, m, n, k, alpha, a, 4, lda, b, 6, ldb, beta, c, 2, ldc);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double want = beta == 0f ? 0 : (double) beta * before[2 + i * ldc + j];
                for (int kk = 0; kk < k; kk++) {
                    double av = ta ? a.get(4 + kk * lda + i) : a.get(4 + i * lda + kk);
                    double bv = tb ? b.get(6 + j * ldb + kk) : b.get(6 + kk * ldb + j);
                    want += alpha * av * bv;
                }
                assertEquals(want, c.get(2 + i * ldc + j), 2e-5 * (1 + Math.sqrt(k)) * Math.max(1, Math.abs(alpha)),
                        "C[" + i + "][" + j + "]");
            }
            for (int j = n; j < ldc && 2 + i * ldc + j < c.capacity(); j++) {
                assertEquals(before[2 + i * ldc + j], c.get(2 + i * ldc + j), "outside C: untouched");
            }
        }
    }
}
