package io.rnn4j.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The contract every {@link Backend} must meet, kernel by kernel, against float64 computations
 * written here. Each check uses fresh random inputs and poisons outputs (NaN) before kernels that
 * overwrite, so a kernel that skips elements fails. A backend module runs this suite by extending
 * it ({@code rnn-core}'s test-jar) and implementing {@link #newBackend()}; a subclass may skip the
 * whole suite with JUnit assumptions in {@code newBackend()} when its hardware is absent.
 */
public abstract class BackendContractTest {
    /** Float32 tolerance for one fused kernel against float64 (a few ulps of the operands). */
    protected static final double TOL = 2e-6;

    protected Backend be;
    protected SplittableRandom rnd;

    /** A fresh backend for one test. */
    protected abstract Backend newBackend();

    @BeforeEach
    void open() {
        be = newBackend();
        rnd = new SplittableRandom(System.nanoTime());
    }

    @AfterEach
    void shut() {
        if (be != null) {
            be.close();
        }
    }

    // ------------------------------------------------------------------ helpers

    protected float[] random(int n, double scale) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (scale * (2 * rnd.nextDouble() - 1));
        }
        return x;
    }

    protected Tensor upload(int rows, int cols, float[] values) {
        Tensor t = be.allocate(rows, cols);
        be.upload(values, 0, t);
        return t;
    }

    protected float[] down(Tensor t) {
        float[] out = new float[(int) t.size()];
        be.download(t, out, 0);
        return out;
    }

    protected Tensor poisoned(int rows, int cols) {
        Tensor t = be.allocate(rows, cols);
        be.fill(t, Float.NaN);
        return t;
    }

    protected static void close(Tensor... ts) {
        for (Tensor t : ts) {
            if (t != null) {
                t.buffer().close();
            }
        }
    }

    protected static void assertClose(double[] want, float[] got, double tol, String what) {
        assertEquals(want.length, got.length, what + ": length");
        for (int i = 0; i < want.length; i++) {
            double w = want[i];
            double err = Math.abs(got[i] - w);
            double bound = tol * Math.max(1.0, Math.abs(w));
            int at = i;
            assertTrue(err <= bound, () -> what + ": element " + at + " is " + got[at] + ", expected " + w);
        }
    }

    // ------------------------------------------------------------------ memory

    @Test
    void allocateIsZeroAndUploadDownloadRoundTrip() {
        Tensor t = be.allocate(7, 5);
        for (float v : down(t)) {
            assertEquals(0f, v);
        }
        float[] x = random(35, 3);
        be.upload(x, 0, t);
        assertArrayEquals(x, down(t));
        close(t);
    }

    @Test
    void stridedViewsUploadDownloadFillAndCopy() {
        Tensor big = be.allocate(6, 9);
        Tensor view = big.rows(1, 4).cols(2, 5);
        float[] x = random(20, 1);
        be.upload(x, 0, view);
        assertArrayEquals(x, down(view));
        float[] all = down(big);
        for (int r = 0; r < 6; r++) {
            for (int c = 0; c < 9; c++) {
                boolean inside = r >= 1 && r < 5 && c >= 2 && c < 7;
                if (!inside) {
                    assertEquals(0f, all[r * 9 + c], "outside the view at " + r + "," + c);
                }
            }
        }
        Tensor other = poisoned(4, 5);
        be.copy(view, other);
        assertArrayEquals(x, down(other));
        be.fill(view, 2.5f);
        for (float v : down(view)) {
            assertEquals(2.5f, v);
        }
        assertEquals(0f, down(big)[0]);
        close(big, other);
    }

    @Test
    void indicesUpload() {
        IndexBuffer ids = be.allocateIndices(5);
        be.uploadIndices(new int[] {9, 4, 2, 7, 1, 3}, 1, ids, 5);
        Tensor table = upload(8, 2, random(16, 1));
        Tensor out = poisoned(5, 2);
        be.gatherRows(table, ids, 0, out, false);
        float[] t = down(table);
        float[] o = down(out);
        int[] want = {4, 2, 7, 1, 3};
        for (int i = 0; i < 5; i++) {
            assertEquals(t[want[i] * 2], o[i * 2]);
            assertEquals(t[want[i] * 2 + 1], o[i * 2 + 1]);
        }
        ids.close();
        close(table, out);
    }

    @Test
    void closingTwiceIsHarmlessAndUseAfterCloseFails() {
        Tensor t = be.allocate(2, 2);
        t.buffer().close();
        t.buffer().close();
        assertTrue(t.buffer().isClosed());
        assertThrows(IllegalStateException.class, () -> be.fill(t, 1f));
    }

    @Test
    void everyCallAfterCloseThrowsAndBuffersCanStillBeClosed() {
        Tensor a = upload(2, 2, random(4, 1));
        Tensor b = upload(2, 2, random(4, 1));
        Tensor scalar = be.allocate(1, 1);
        IndexBuffer ids = be.allocateIndices(2);
        UpdateRule sgd = UpdateRule.defaults(UpdateRule.Kind.SGD, 0.1f);
        be.close();
        be.close();
        float[] host = new float[4];
        java.util.List<org.junit.jupiter.api.function.Executable> calls = java.util.List.of(
                () -> be.allocate(1, 1), () -> be.allocateIndices(1), () -> be.upload(host, 0, a),
                () -> be.download(a, host, 0), () -> be.uploadIndices(new int[2], 0, ids, 2), () -> be.fill(a, 1f),
                () -> be.copy(a, b), () -> be.gemm(b, a, false, a, false, 1f, 0f), () -> be.scale(a, 2f),
                () -> be.axpy(1f, a, b), () -> be.sumSquares(a, scalar, false), () -> be.sumRows(a, b.rows(0, 1), false),
                () -> be.activationForward(Activation.TANH, a, b, null),
                () -> be.recurrentForward(Activation.TANH, a, a.rows(0, 1), b, null, 1),
                () -> be.clipScale(scalar, 1f, scalar), () -> be.optimizerUpdate(sgd, a, b, null, null, null, scalar, 1),
                be::synchronize);
        for (int i = 0; i < calls.size(); i++) {
            IllegalStateException e = assertThrows(IllegalStateException.class, calls.get(i), "call " + i);
            assertTrue(e.getMessage().contains("closed"), e.getMessage());
        }
        close(a, b, scalar);
        ids.close();
        assertTrue(a.buffer().isClosed());
    }

    // ------------------------------------------------------------------ NaN semantics (every backend alike)

    @Test
    void reluKeepsNaNWhateverItsSignBit() {
        float negativeNaN = Float.intBitsToFloat(0xffc00000); // the NaN x86 arithmetic produces
        Tensor s = upload(1, 5, new float[] {Float.NaN, negativeNaN, -1f, -0f, 2f});
        Tensor h = be.allocate(1, 5);
        be.activationForward(Activation.RELU, s, h, null);
        float[] o = down(h);
        assertTrue(Float.isNaN(o[0]), "NaN stays NaN");
        assertTrue(Float.isNaN(o[1]), "a NaN with the sign bit set stays NaN");
        assertEquals(0f, o[2]);
        assertEquals(0f, Math.abs(o[3]));
        assertEquals(2f, o[4]);
        close(s, h);
    }

    @ParameterizedTest
    @EnumSource(UpdateRule.Kind.class)
    void valueClippingKeepsANaNGradientNaN(UpdateRule.Kind kind) {
        UpdateRule rule = UpdateRule.defaults(kind, 0.1f).withClipValue(0.5f);
        Tensor p = upload(1, 2, new float[] {1f, 1f});
        Tensor g = upload(1, 2, new float[] {Float.NaN, 3f});
        Tensor s1 = be.allocate(1, 2);
        Tensor s2 = be.allocate(1, 2);
        Tensor k = upload(1, 1, new float[] {1f});
        be.optimizerUpdate(rule, p, g, s1, s2, null, k, 1);
        float[] out = down(p);
        assertTrue(Float.isNaN(out[0]), kind + ": a NaN gradient must not be clamped to the bound, got " + out[0]);
        assertTrue(Float.isFinite(out[1]) && out[1] < 1f, kind + ": the clamped finite gradient still updates");
        close(p, g, s1, s2, k);
    }

    // ------------------------------------------------------------------ operand checks (every backend alike)

    @Test
    void optimizerUpdateRejectsBadOperands() {
        UpdateRule adam = UpdateRule.defaults(UpdateRule.Kind.ADAM, 0.1f);
        Tensor p = be.allocate(1, 6);
        Tensor g = be.allocate(1, 6);
        Tensor s1 = be.allocate(1, 6);
        Tensor s2 = be.allocate(1, 6);
        Tensor k = be.allocate(1, 1);
        Tensor wide = be.allocate(1, 2);
        Tensor strided = be.allocate(2, 6).cols(0, 3);
        assertThrows(IllegalArgumentException.class, () -> be.optimizerUpdate(adam, p, g, s1, s2, null, wide, 1),
                "the scale must be 1x1");
        assertThrows(IllegalArgumentException.class, () -> be.optimizerUpdate(adam, p, g, s1, null, null, k, 1),
                "Adam needs two states");
        assertThrows(IllegalArgumentException.class, () -> be.optimizerUpdate(adam, p, g, s1, wide, null, k, 1),
                "states have the parameters' shape");
        assertThrows(IllegalArgumentException.class,
                () -> be.optimizerUpdate(adam, strided, strided, strided, strided, null, k, 1), "arenas are contiguous");
        assertThrows(IllegalArgumentException.class, () -> be.optimizerUpdate(adam, p, g, s1, s2, null, k, 0),
                "steps count from 1");
        assertThrows(IllegalArgumentException.class, () -> be.optimizerUpdate(adam, p, p, s1, s2, null, k, 1),
                "parameters and gradients must not overlap");
        close(p, g, s1, s2, k, wide);
        strided.buffer().close();
    }

    @Test
    void overlappingOperandsAreRejected() {
        Tensor x = upload(4, 3, random(12, 1));
        IndexBuffer ids = be.allocateIndices(4);
        be.uploadIndices(new int[] {0, 1, 0, 1}, 0, ids, 4);
        assertThrows(IllegalArgumentException.class, () -> be.gatherRows(x.rows(0, 2), ids, 0, x.rows(1, 2), false),
                "gather into its own table");
        assertThrows(IllegalArgumentException.class, () -> be.scatterAddRows(x.rows(1, 2), ids, 0, x.rows(0, 2)),
                "scatter from its own table");
        assertThrows(IllegalArgumentException.class, () -> be.addRowVector(x, x.rows(2, 1)),
                "broadcast a row of itself");
        assertThrows(IllegalArgumentException.class, () -> be.sumRows(x, x.rows(3, 1), false),
                "sum into its own row");
        assertThrows(IllegalArgumentException.class, () -> be.axpy(1f, x.rows(0, 2), x.rows(1, 2)),
                "axpy onto an overlapping view");
        assertThrows(IllegalArgumentException.class, () -> be.gatherRows(x, ids, 2, be.allocate(4, 3), false),
                "more rows than ids from the offset");
        ids.close();
        close(x);
    }

    // ------------------------------------------------------------------ gemm

    @ParameterizedTest(name = "transA={0}, transB={1}")
    @org.junit.jupiter.params.provider.CsvSource({"false,false", "true,false", "false,true", "true,true"})
    void gemmAllTransposesAlphaBeta(boolean ta, boolean tb) {
        int m = 7;
        int n = 5;
        int k = 9;
        float[] a = random(m * k, 1);
        float[] b = random(k * n, 1);
        float[] c0 = random(m * n, 1);
        Tensor A = ta ? upload(k, m, a) : upload(m, k, a);
        Tensor B = tb ? upload(n, k, b) : upload(k, n, b);
        Tensor C = upload(m, n, c0);
        float alpha = 0.7f;
        float beta = -1.3f;
        be.gemm(C, A, ta, B, tb, alpha, beta);
        double[] want = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double acc = 0;
                for (int p = 0; p < k; p++) {
                    double av = ta ? a[p * m + i] : a[i * k + p];
                    double bv = tb ? b[j * k + p] : b[p * n + j];
                    acc += av * bv;
                }
                want[i * n + j] = alpha * acc + beta * c0[i * n + j];
            }
        }
        assertClose(want, down(C), 1e-5, "gemm");
        close(A, B, C);
    }

    @ParameterizedTest(name = "large, transA={0}, transB={1}")
    @org.junit.jupiter.params.provider.CsvSource({"false,false", "true,false", "false,true", "true,true"})
    void gemmLargeEnoughToBeSplitAcrossThreads(boolean ta, boolean tb) {
        for (int[] mnk : new int[][] {{301, 64, 70}, {40, 257, 90}}) {
            int m = mnk[0];
            int n = mnk[1];
            int k = mnk[2];
            float[] a = random(m * k, 1);
            float[] b = random(k * n, 1);
            float[] c0 = random(m * n, 1);
            Tensor A = ta ? upload(k, m, a) : upload(m, k, a);
            Tensor B = tb ? upload(n, k, b) : upload(k, n, b);
            Tensor C = upload(m, n, c0);
            be.gemm(C, A, ta, B, tb, 1.5f, 0.5f);
            double[] want = new double[m * n];
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double acc = 0;
                    for (int p = 0; p < k; p++) {
                        acc += (double) (ta ? a[p * m + i] : a[i * k + p]) * (tb ? b[j * k + p] : b[p * n + j]);
                    }
                    want[i * n + j] = 1.5 * acc + 0.5 * c0[i * n + j];
                }
            }
            assertClose(want, down(C), 1e-5, "gemm " + m + "x" + n + "x" + k);
            close(A, B, C);
        }
    }

    /**
     * A small C over a long inner dimension: the shape of a weight gradient summed over every token
     * (the CPU backend splits it over k and adds the partial products), on a strided C, with beta 0
     * over NaN and with beta ≠ 0.
     */
    @ParameterizedTest(name = "long k, transA={0}, transB={1}")
    @org.junit.jupiter.params.provider.CsvSource({"false,false", "true,false", "false,true", "true,true"})
    void gemmWithALongInnerDimension(boolean ta, boolean tb) {
        for (int[] mnk : new int[][] {{24, 40, 1001}, {65, 128, 2500}}) {
            int m = mnk[0];
            int n = mnk[1];
            int k = mnk[2];
            float[] a = random(m * k, 1);
            float[] b = random(k * n, 1);
            Tensor A = ta ? upload(k, m, a) : upload(m, k, a);
            Tensor B = tb ? upload(n, k, b) : upload(k, n, b);
            for (float beta : new float[] {0f, -0.5f}) {
                Tensor cbuf = beta == 0f ? poisoned(m, n + 3) : upload(m, n + 3, random(m * (n + 3), 1));
                Tensor C = cbuf.cols(2, n);
                float[] c0 = down(C);
                float[] outside = down(cbuf.cols(0, 2));
                be.gemm(C, A, ta, B, tb, 0.75f, beta);
                float[] got = down(C);
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        double acc = 0;
                        double mag = 0;
                        for (int p = 0; p < k; p++) {
                            double t = (double) (ta ? a[p * m + i] : a[i * k + p]) * (tb ? b[j * k + p] : b[p * n + j]);
                            acc += t;
                            mag += Math.abs(t);
                        }
                        double c = beta == 0f ? 0 : beta * c0[i * n + j];
                        double want = 0.75 * acc + c;
                        // float32 summation of k terms in any order: within k·2⁻²⁴ of the sum of magnitudes
                        double bound = (k + 2) * 0x1p-24 * (0.75 * mag + Math.abs(c)) + 1e-30;
                        int at = i * n + j;
                        assertTrue(Math.abs(got[at] - want) <= bound, () -> "gemm " + m + "x" + n + "x" + k + ", beta "
                                + beta + ": element " + at + " is " + got[at] + ", expected " + want + " ± " + bound);
                    }
                }
                assertArrayEquals(outside, down(cbuf.cols(0, 2)), "columns outside the view");
                close(cbuf);
            }
            close(A, B);
        }
    }

    @Test
    void gemmWithBetaZeroIgnoresNaNInTheOutput() {
        float[] a = random(12, 1);
        float[] b = random(12, 1);
        Tensor A = upload(3, 4, a);
        Tensor B = upload(4, 3, b);
        Tensor C = poisoned(3, 3);
        be.gemm(C, A, false, B, false, 1f, 0f);
        for (float v : down(C)) {
            assertTrue(Float.isFinite(v), "beta = 0 must overwrite");
        }
        close(A, B, C);
    }

    @Test
    void gemmOnStridedViews() {
        // C (rows 1..4 of an 8-wide buffer) += A (a column block) · Bᵀ, as the per-step recurrence uses.
        Tensor abuf = upload(4, 10, random(40, 1));
        Tensor A = abuf.cols(3, 6);
        Tensor B = upload(5, 6, random(30, 1));
        Tensor cbuf = upload(6, 8, random(48, 1));
        Tensor C = cbuf.rows(1, 4).cols(1, 5);
        float[] a = down(A);
        float[] b = down(B);
        float[] c0 = down(C);
        be.gemm(C, A, false, B, true, 1f, 1f);
        double[] want = new double[20];
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 5; j++) {
                double acc = c0[i * 5 + j];
                for (int p = 0; p < 6; p++) {
                    acc += (double) a[i * 6 + p] * b[j * 6 + p];
                }
                want[i * 5 + j] = acc;
            }
        }
        assertClose(want, down(C), 1e-5, "strided gemm");
        float[] full = down(cbuf);
        float[] before = full.clone();
        assertEquals(before[0], full[0]);
        close(abuf, B, cbuf);
    }

    @Test
    void gemmRejectsShapeMismatchAndOverlap() {
        Tensor A = be.allocate(3, 4);
        Tensor B = be.allocate(5, 2);
        Tensor C = be.allocate(3, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> be.gemm(C, A, false, B, false, 1f, 0f));
        assertTrue(e.getMessage().contains("gemm"), e.getMessage());
        Tensor sq = be.allocate(4, 4);
        assertThrows(IllegalArgumentException.class, () -> be.gemm(sq, sq, false, sq, false, 1f, 0f));
        close(A, B, C, sq);
    }

    // ------------------------------------------------------------------ BLAS-1 and reductions

    @Test
    void scaleAxpySumSquares() {
        float[] x = random(30, 2);
        float[] y = random(30, 2);
        Tensor X = upload(5, 6, x);
        Tensor Y = upload(5, 6, y);
        be.axpy(-0.5f, X, Y);
        double[] want = new double[30];
        for (int i = 0; i < 30; i++) {
            want[i] = y[i] - 0.5 * x[i];
        }
        assertClose(want, down(Y), TOL, "axpy");
        be.scale(X, 3f);
        double[] sx = new double[30];
        double ss = 0;
        for (int i = 0; i < 30; i++) {
            sx[i] = 3.0 * x[i];
            ss += sx[i] * sx[i];
        }
        assertClose(sx, down(X), TOL, "scale");
        Tensor out = be.allocate(1, 1);
        be.fill(out, Float.NaN);
        be.sumSquares(X, out, false);
        assertClose(new double[] {ss}, down(out), 1e-6, "sumSquares");
        be.sumSquares(X, out, true);
        assertClose(new double[] {2 * ss}, down(out), 1e-6, "sumSquares accumulate");
        close(X, Y, out);
    }

    @Test
    void sumSquaresIsAccurateOnALargeArena() {
        int n = 1 << 20;
        float[] x = new float[n];
        java.util.Arrays.fill(x, 0.001f);
        Tensor X = upload(1, n, x);
        Tensor out = be.allocate(1, 1);
        be.sumSquares(X, out, false);
        double want = n * (double) 0.001f * (double) 0.001f;
        assertClose(new double[] {want}, down(out), 1e-6, "sumSquares of 2^20 equal values");
        close(X, out);
    }

    @Test
    void clipScale() {
        Tensor ss = upload(1, 1, new float[] {100f});
        Tensor k = poisoned(1, 1);
        be.clipScale(ss, 5f, k);
        assertClose(new double[] {0.5}, down(k), TOL, "norm 10, threshold 5");
        be.clipScale(ss, 20f, k);
        assertClose(new double[] {1.0}, down(k), 0, "below threshold");
        be.clipScale(ss, 10f, k);
        assertClose(new double[] {1.0}, down(k), TOL, "at threshold");
        be.clipScale(ss, Float.POSITIVE_INFINITY, k);
        assertClose(new double[] {1.0}, down(k), 0, "no clipping");
        be.upload(new float[] {Float.POSITIVE_INFINITY}, 0, ss);
        be.clipScale(ss, 5f, k);
        assertTrue(Float.isNaN(down(k)[0]), "a non-finite norm gives a non-finite scale");
        close(ss, k);
    }

    @Test
    void addRowVectorAndSumRows() {
        int rows = 37;
        int cols = 11;
        float[] x = random(rows * cols, 1);
        float[] v = random(cols, 1);
        Tensor X = upload(rows, cols, x);
        Tensor Vv = upload(1, cols, v);
        be.addRowVector(X, Vv);
        double[] want = new double[rows * cols];
        double[] colSum = new double[cols];
        for (int i = 0; i < rows * cols; i++) {
            want[i] = x[i] + v[i % cols];
        }
        float[] got = down(X);
        assertClose(want, got, TOL, "addRowVector");
        for (int i = 0; i < rows * cols; i++) {
            colSum[i % cols] += got[i];
        }
        Tensor out = poisoned(1, cols);
        be.sumRows(X, out, false);
        assertClose(colSum, down(out), 1e-5, "sumRows");
        be.sumRows(X, out, true);
        for (int c = 0; c < cols; c++) {
            colSum[c] *= 2;
        }
        assertClose(colSum, down(out), 1e-5, "sumRows accumulate");
        close(X, Vv, out);
    }

    // ------------------------------------------------------------------ whole recurrences

    /** Shapes big enough that a multi-threaded backend splits the batch. */
    @ParameterizedTest
    @EnumSource(Activation.class)
    void recurrentForwardAndBackwardMatchTheStepByStepDefinition(Activation a) {
        int b = 10;
        int h = 130;
        int steps = 4;
        int n = b * steps;
        float[] u = random(h * h, 1.5 / Math.sqrt(h));
        float[] pre0 = random(n * h, 1);
        float[] h0 = random(b * h, 1);
        float[] g0 = random(n * h, 1);
        float[] slopes = random(h, 0.5);
        Tensor U = upload(h, h, u);
        Tensor P = upload(n, h, pre0);
        Tensor Hh = poisoned(n + b, h);
        be.upload(h0, 0, Hh.rows(0, b));
        Tensor A = upload(1, h, slopes);
        be.recurrentForward(a, U, P, Hh, A, b);
        // float64 forward
        double[][] hs = new double[steps + 1][];
        double[][] ss = new double[steps][];
        hs[0] = new double[b * h];
        for (int i = 0; i < b * h; i++) {
            hs[0][i] = h0[i];
        }
        for (int t = 0; t < steps; t++) {
            ss[t] = new double[b * h];
            hs[t + 1] = new double[b * h];
            for (int r = 0; r < b; r++) {
                for (int i = 0; i < h; i++) {
                    double acc = pre0[(t * b + r) * h + i];
                    for (int j = 0; j < h; j++) {
                        acc += hs[t][r * h + j] * u[i * h + j];
                    }
                    ss[t][r * h + i] = acc;
                    hs[t + 1][r * h + i] = f(a, acc, slopes[i]);
                }
            }
        }
        float[] gotH = down(Hh);
        float[] gotS = down(P);
        double[] wantH = new double[(n + b) * h];
        double[] wantS = new double[n * h];
        for (int t = 0; t <= steps; t++) {
            System.arraycopy(hs[t], 0, wantH, t * b * h, b * h);
            if (t < steps) {
                System.arraycopy(ss[t], 0, wantS, t * b * h, b * h);
            }
        }
        assertClose(wantS, gotS, 1e-4, a + " forward pre-activations");
        assertClose(wantH, gotH, 1e-4, a + " forward hidden states");
        // Backward from the backend's own forward results (so that f' uses the same h).
        Tensor G = upload(n, h, g0);
        float[] da0 = random(h, 1);
        Tensor dA = upload(1, h, da0);
        Tensor norms = poisoned(steps, 2);
        be.recurrentBackward(a, U, P, Hh, G, A, dA, b, norms);
        double[] delta = new double[n * h];
        double[] wantDa = new double[h];
        for (int i = 0; i < h; i++) {
            wantDa[i] = da0[i];
        }
        double[] carried = new double[b * h];
        double[] wantNorms = new double[steps * 2];
        for (int t = steps - 1; t >= 0; t--) {
            for (int r = 0; r < b; r++) {
                for (int i = 0; i < h; i++) {
                    int row = t * b + r;
                    double g = g0[row * h + i] + carried[r * h + i];
                    double s = gotS[row * h + i];
                    double y = gotH[(row + b) * h + i];
                    double d = switch (a) {
                        case TANH -> 1 - y * y;
                        case LOGISTIC -> y * (1 - y);
                        default -> fPrime(a, s, slopes[i]);
                    };
                    if (a == Activation.PRELU && !(s > 0)) {
                        wantDa[i] += g * s;
                    }
                    delta[row * h + i] = d * g;
                    wantNorms[2 * t] += g * g;
                    wantNorms[2 * t + 1] += d * g * d * g;
                }
            }
            double[] next = new double[b * h];
            for (int r = 0; r < b; r++) {
                for (int j = 0; j < h; j++) {
                    double acc = 0;
                    for (int i = 0; i < h; i++) {
                        acc += delta[(t * b + r) * h + i] * u[i * h + j];
                    }
                    next[r * h + j] = acc;
                }
            }
            carried = next;
        }
        assertClose(delta, down(G), 1e-4, a + " backward deltas");
        assertClose(wantDa, down(dA), 1e-4, a + " slope gradient");
        assertClose(wantNorms, down(norms), 1e-4, a + " per-step squared norms of dE/dh and delta");
        // Without the norms the results are the same.
        Tensor G2 = upload(n, h, g0);
        Tensor dA2 = upload(1, h, da0);
        be.recurrentBackward(a, U, P, Hh, G2, A, dA2, b, null);
        assertArrayEquals(down(G), down(G2));
        close(U, P, Hh, A, G, dA, norms, G2, dA2);
    }

    @Test
    void recurrenceShapeErrors() {
        Tensor U = be.allocate(4, 4);
        Tensor P = be.allocate(6, 4);
        Tensor Hh = be.allocate(9, 4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> be.recurrentForward(Activation.TANH, U, P, Hh, null, 2));
        assertTrue(e.getMessage().contains("(T+1)·B"), e.getMessage());
        close(U, P, Hh);
    }

    // ------------------------------------------------------------------ gated cells

    private static double sig(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    @Test
    void lstmStepForwardAndBackward() {
        int b = 6;
        int h = 9;
        float[] pre = random(b * 4 * h, 3);
        float[] cp = random(b * h, 2);
        float[] dh = random(b * h, 1);
        float[] dc0 = random(b * h, 1);
        Tensor G = upload(b, 4 * h, pre);
        Tensor Cp = upload(b, h, cp);
        Tensor C = poisoned(b, h);
        Tensor Hh = poisoned(b, h);
        Tensor Tc = poisoned(b, h);
        be.lstmForward(G, Cp, C, Hh, Tc);
        double[] acts = new double[b * 4 * h];
        double[] c = new double[b * h];
        double[] hv = new double[b * h];
        double[] tc = new double[b * h];
        for (int r = 0; r < b; r++) {
            for (int j = 0; j < h; j++) {
                int g = r * 4 * h;
                double i = sig(pre[g + j]);
                double f = sig(pre[g + h + j]);
                double gg = Math.tanh(pre[g + 2 * h + j]);
                double o = sig(pre[g + 3 * h + j]);
                acts[g + j] = i;
                acts[g + h + j] = f;
                acts[g + 2 * h + j] = gg;
                acts[g + 3 * h + j] = o;
                c[r * h + j] = f * cp[r * h + j] + i * gg;
                tc[r * h + j] = Math.tanh(c[r * h + j]);
                hv[r * h + j] = o * tc[r * h + j];
            }
        }
        assertClose(acts, down(G), 1e-6, "LSTM activated gates");
        assertClose(c, down(C), 1e-5, "LSTM cell");
        assertClose(tc, down(Tc), 1e-5, "LSTM tanh(c)");
        assertClose(hv, down(Hh), 1e-5, "LSTM hidden");
        Tensor Dh = upload(b, h, dh);
        Tensor Dc = upload(b, h, dc0);
        Tensor Dg = poisoned(b, 4 * h);
        float[] gotActs = down(G);
        float[] gotTc = down(Tc);
        be.lstmBackward(G, Cp, Tc, Dh, Dc, Dg);
        double[] dg = new double[b * 4 * h];
        double[] dcOut = new double[b * h];
        for (int r = 0; r < b; r++) {
            for (int j = 0; j < h; j++) {
                int g = r * 4 * h;
                double i = gotActs[g + j];
                double f = gotActs[g + h + j];
                double gg = gotActs[g + 2 * h + j];
                double o = gotActs[g + 3 * h + j];
                double t = gotTc[r * h + j];
                double d = dh[r * h + j];
                double dcc = dc0[r * h + j] + d * o * (1 - t * t);
                dg[g + j] = dcc * gg * i * (1 - i);
                dg[g + h + j] = dcc * cp[r * h + j] * f * (1 - f);
                dg[g + 2 * h + j] = dcc * i * (1 - gg * gg);
                dg[g + 3 * h + j] = d * t * o * (1 - o);
                dcOut[r * h + j] = dcc * f;
            }
        }
        assertClose(dg, down(Dg), 1e-5, "LSTM gate gradients");
        assertClose(dcOut, down(Dc), 1e-5, "LSTM dc carried back");
        close(G, Cp, C, Hh, Tc, Dh, Dc, Dg);
    }

    @Test
    void gruStepForwardAndBackward() {
        int b = 5;
        int h = 7;
        float[] xg = random(b * 3 * h, 2);
        float[] hg = random(b * 3 * h, 2);
        float[] hp = random(b * h, 1);
        float[] dh = random(b * h, 1);
        Tensor X = upload(b, 3 * h, xg);
        Tensor Hg = upload(b, 3 * h, hg);
        Tensor Hp = upload(b, h, hp);
        Tensor Hh = poisoned(b, h);
        Tensor A = poisoned(b, 3 * h);
        be.gruForward(X, Hg, Hp, Hh, A);
        double[] acts = new double[b * 3 * h];
        double[] hv = new double[b * h];
        for (int r = 0; r < b; r++) {
            for (int j = 0; j < h; j++) {
                int g = r * 3 * h;
                double rg = sig(xg[g + j] + hg[g + j]);
                double z = sig(xg[g + h + j] + hg[g + h + j]);
                double n = Math.tanh(xg[g + 2 * h + j] + rg * hg[g + 2 * h + j]);
                acts[g + j] = rg;
                acts[g + h + j] = z;
                acts[g + 2 * h + j] = n;
                hv[r * h + j] = (1 - z) * n + z * hp[r * h + j];
            }
        }
        assertClose(acts, down(A), 1e-5, "GRU gates");
        assertClose(hv, down(Hh), 1e-5, "GRU hidden");
        float[] got = down(A);
        Tensor Dh = upload(b, h, dh);
        Tensor Dx = poisoned(b, 3 * h);
        Tensor Dhg = poisoned(b, 3 * h);
        Tensor Dp = poisoned(b, h);
        be.gruBackward(A, Hg, Hp, Dh, Dx, Dhg, Dp);
        double[] dx = new double[b * 3 * h];
        double[] dhg = new double[b * 3 * h];
        double[] dp = new double[b * h];
        for (int r = 0; r < b; r++) {
            for (int j = 0; j < h; j++) {
                int g = r * 3 * h;
                double rg = got[g + j];
                double z = got[g + h + j];
                double n = got[g + 2 * h + j];
                double d = dh[r * h + j];
                double dnp = d * (1 - z) * (1 - n * n);
                double dzp = d * (hp[r * h + j] - n) * z * (1 - z);
                double drp = dnp * hg[g + 2 * h + j] * rg * (1 - rg);
                dx[g + j] = drp;
                dx[g + h + j] = dzp;
                dx[g + 2 * h + j] = dnp;
                dhg[g + j] = drp;
                dhg[g + h + j] = dzp;
                dhg[g + 2 * h + j] = dnp * rg;
                dp[r * h + j] = d * z;
            }
        }
        assertClose(dx, down(Dx), 1e-5, "GRU input-side gate gradients");
        assertClose(dhg, down(Dhg), 1e-5, "GRU recurrent-side gate gradients");
        assertClose(dp, down(Dp), 1e-6, "GRU direct dh_prev");
        close(X, Hg, Hp, Hh, A, Dh, Dx, Dhg, Dp);
    }

    // ------------------------------------------------------------------ gather / scatter

    @Test
    void gatherAccumulateAndScatterAddWithRepeats() {
        int v = 6;
        int h = 4;
        float[] table = random(v * h, 1);
        int[] id = {3, 0, 3, 5, 3, 1, 0};
        IndexBuffer ids = be.allocateIndices(id.length + 2);
        be.uploadIndices(id, 0, ids, id.length);
        Tensor T = upload(v, h, table);
        float[] base = random(id.length * h, 1);
        Tensor out = upload(id.length, h, base);
        be.gatherRows(T, ids, 0, out, true);
        double[] want = new double[id.length * h];
        for (int i = 0; i < id.length; i++) {
            for (int c = 0; c < h; c++) {
                want[i * h + c] = base[i * h + c] + table[id[i] * h + c];
            }
        }
        assertClose(want, down(out), TOL, "gather accumulate");
        // Offset into the ids.
        Tensor two = poisoned(2, h);
        be.gatherRows(T, ids, 3, two, false);
        float[] got = down(two);
        for (int c = 0; c < h; c++) {
            assertEquals(table[5 * h + c], got[c]);
            assertEquals(table[3 * h + c], got[h + c]);
        }
        float[] src = random(id.length * h, 1);
        Tensor S = upload(id.length, h, src);
        be.scatterAddRows(S, ids, 0, T);
        double[] sw = new double[v * h];
        for (int i = 0; i < sw.length; i++) {
            sw[i] = table[i];
        }
        for (int i = 0; i < id.length; i++) {
            for (int c = 0; c < h; c++) {
                sw[id[i] * h + c] += src[i * h + c];
            }
        }
        assertClose(sw, down(T), TOL, "scatter-add with repeated ids");
        ids.close();
        close(T, out, two, S);
    }

    /**
     * Scatter-add into a small and a large table with many repeated ids (a GPU sums these as a GEMM or
     * by sorted ids); the last two sources are large enough (over 2²¹ floats) for the CPU backend to
     * split them over its threads, into a table summed in one array and into one summed row by row.
     */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({"65,700,12", "3000,1500,9", "3000,5000,3", "65,4200,512",
        "3000,2800,768"})
    void scatterAddRowsSumsRepeatedIdsExactlyOnce(int v, int n, int h) {
        float[] table = random(v * h, 1);
        Tensor T = upload(v, h, table);
        int[] id = new int[n];
        for (int i = 0; i < n; i++) {
            id[i] = i % 7 == 0 ? 3 : rnd.nextInt(Math.min(v, 40)) * (v / Math.min(v, 40));
        }
        IndexBuffer ids = be.allocateIndices(n);
        be.uploadIndices(id, 0, ids, n);
        float[] src = random(n * h, 1);
        Tensor S = upload(n, h, src);
        be.scatterAddRows(S, ids, 0, T);
        double[] want = new double[v * h];
        for (int i = 0; i < want.length; i++) {
            want[i] = table[i];
        }
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < h; c++) {
                want[id[i] * h + c] += src[i * h + c];
            }
        }
        // Up to n/7 + n/40 terms in one row: float32 sums of that many terms of size 1.
        assertClose(want, down(T), 2e-6 * Math.sqrt(n), "scatter-add of " + n + " rows into " + v);
        ids.close();
        close(T, S);
    }

    // ------------------------------------------------------------------ activations

    static double f(Activation a, double s, double slope) {
        return switch (a) {
            case TANH -> Math.tanh(s);
            case LOGISTIC -> 1 / (1 + Math.exp(-s));
            case RELU -> Math.max(0, s);
            case PRELU -> s > 0 ? s : slope * s;
            case IDENTITY -> s;
        };
    }

    static double fPrime(Activation a, double s, double slope) {
        return switch (a) {
            case TANH -> 1 - Math.tanh(s) * Math.tanh(s);
            case LOGISTIC -> {
                double y = 1 / (1 + Math.exp(-s));
                yield y * (1 - y);
            }
            case RELU -> s > 0 ? 1 : 0;
            case PRELU -> s > 0 ? 1 : slope;
            case IDENTITY -> 1;
        };
    }

    /**
     * Every activation at 9 × 13, and at 301 × 129 (38,829 elements: past the size at which the CPU
     * backend splits a call over its threads, with rows that do not divide evenly).
     */
    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> activationCases() {
        java.util.List<org.junit.jupiter.params.provider.Arguments> out = new java.util.ArrayList<>();
        for (int[] shape : new int[][] {{9, 13}, {301, 129}}) {
            for (Activation a : Activation.values()) {
                out.add(org.junit.jupiter.params.provider.Arguments.of(a, shape[0], shape[1]));
            }
        }
        return out.stream();
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.MethodSource("activationCases")
    void activationForwardAndBackward(Activation a, int rows, int cols) {
        float[] s = random(rows * cols, 4);
        s[0] = 0f;
        s[1] = 30f;
        s[2] = -30f;
        float[] slopes = random(cols, 0.5);
        float[] g = random(rows * cols, 1);
        Tensor S = upload(rows, cols, s);
        Tensor Hh = poisoned(rows, cols);
        Tensor A = upload(1, cols, slopes);
        be.activationForward(a, S, Hh, A);
        float[] h = down(Hh);
        double[] want = new double[rows * cols];
        for (int i = 0; i < want.length; i++) {
            want[i] = f(a, s[i], slopes[i % cols]);
        }
        assertClose(want, h, TOL, a + " forward");
        Tensor G = upload(rows, cols, g);
        float[] dslope0 = random(cols, 1);
        Tensor dA = upload(1, cols, dslope0);
        be.activationBackward(a, S, Hh, G, A, dA);
        double[] wantG = new double[rows * cols];
        double[] wantDa = new double[cols];
        double[] absDa = new double[cols]; // Σ |terms|: a float sum in any order is within rows · 2⁻²⁴ of it
        for (int c = 0; c < cols; c++) {
            wantDa[c] = a == Activation.PRELU ? dslope0[c] : dslope0[c];
        }
        for (int i = 0; i < wantG.length; i++) {
            // tanh and logistic derive from the stored (float) h, as the contract says.
            double d = switch (a) {
                case TANH -> 1 - (double) h[i] * h[i];
                case LOGISTIC -> (double) h[i] * (1 - h[i]);
                default -> fPrime(a, s[i], slopes[i % cols]);
            };
            wantG[i] = d * g[i];
            if (a == Activation.PRELU && !(s[i] > 0)) {
                wantDa[i % cols] += (double) g[i] * s[i];
                absDa[i % cols] += Math.abs((double) g[i] * s[i]);
            }
        }
        assertClose(wantG, down(G), TOL, a + " backward");
        // The slope gradient is a sum over the rows, which a backend may add in float and in any order
        // (the CUDA kernel's atomics): the bound grows with the rows and the terms' magnitudes.
        float[] gotDa = down(dA);
        for (int c = 0; c < cols; c++) {
            double bound = 1e-5 * Math.max(1.0, Math.abs(wantDa[c]))
                    + (rows + 1) * 0x1p-24 * (absDa[c] + Math.abs(dslope0[c]));
            assertTrue(Math.abs(gotDa[c] - wantDa[c]) <= bound, a + " slope gradient (untouched unless PReLU): column "
                    + c + " is " + gotDa[c] + ", expected " + wantDa[c] + " within " + bound);
        }
        // In place: h written over s.
        Tensor S2 = upload(rows, cols, s);
        be.activationForward(a, S2, S2, A);
        assertArrayEquals(h, down(S2), a + " in place equals out of place");
        close(S, Hh, A, G, dA, S2);
    }

    @Test
    void tanhAndLogisticSaturateCleanly() {
        Tensor S = upload(1, 4, new float[] {1000f, -1000f, Float.NaN, 1e-30f});
        Tensor Hh = poisoned(1, 4);
        be.activationForward(Activation.TANH, S, Hh, null);
        float[] h = down(Hh);
        assertEquals(1f, h[0]);
        assertEquals(-1f, h[1]);
        assertTrue(Float.isNaN(h[2]), "NaN propagates");
        assertEquals(1e-30f, h[3]);
        be.activationForward(Activation.LOGISTIC, S, Hh, null);
        h = down(Hh);
        assertEquals(1f, h[0]);
        assertTrue(h[1] >= 0f && h[1] < 1e-37f, "logistic(-1000) is 0 to float accuracy: " + h[1]);
        close(S, Hh);
    }

    // ------------------------------------------------------------------ losses

    @Test
    void softmaxCrossEntropyWithWeights() {
        int n = 6;
        int v = 7;
        float[] z = random(n * v, 5);
        int[] y = {0, 6, 3, 3, 2, 5};
        float[] w = {1f, 0f, 0.5f, 1f, 2f, 1f};
        Tensor Z = upload(n, v, z);
        Tensor W = upload(n, 1, w);
        IndexBuffer Y = be.allocateIndices(n + 1);
        int[] shifted = new int[n + 1];
        shifted[0] = 99; // an offset of 1 skips it
        System.arraycopy(y, 0, shifted, 1, n);
        shifted[2] = -7; // a zero-weight row's target is never read
        be.uploadIndices(shifted, 0, Y, n + 1);
        Tensor L = upload(1, 1, new float[] {0.25f});
        float scale = 0.3f;
        be.softmaxCrossEntropy(Z, Y, 1, W, scale, L);
        double loss = 0.25;
        double[] grad = new double[n * v];
        for (int r = 0; r < n; r++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < v; c++) {
                max = Math.max(max, z[r * v + c]);
            }
            double sum = 0;
            for (int c = 0; c < v; c++) {
                sum += Math.exp(z[r * v + c] - max);
            }
            double lse = max + Math.log(sum);
            if (w[r] != 0) {
                loss += w[r] * (lse - z[r * v + y[r]]);
            }
            for (int c = 0; c < v; c++) {
                grad[r * v + c] = scale * w[r] * (Math.exp(z[r * v + c] - lse) - (c == y[r] ? 1 : 0));
            }
        }
        assertClose(new double[] {loss}, down(L), 1e-6, "cross-entropy loss");
        assertClose(grad, down(Z), TOL, "cross-entropy gradient");
        Y.close();
        close(Z, W, L);
    }

    @Test
    void softmaxCrossEntropyIsStableForHugeLogits() {
        Tensor Z = upload(1, 3, new float[] {1e30f, -1e30f, 0f});
        IndexBuffer Y = be.allocateIndices(1);
        be.uploadIndices(new int[] {1}, 0, Y, 1);
        Tensor L = be.allocate(1, 1);
        be.softmaxCrossEntropy(Z, Y, 0, null, 1f, L);
        float[] l = down(L);
        assertEquals(2e30f, l[0], 1e25f, "loss is z_max − z_y, not inf/NaN");
        float[] g = down(Z);
        assertEquals(1f, g[0], 1e-6f);
        assertEquals(-1f, g[1], 1e-6f);
        Y.close();
        close(Z, L);
    }

    /**
     * A logit of −∞ (a masked-out class) has probability 0: a finite loss and a zero gradient there. In
     * every position of a row (the GPU's one-warp-per-row kernel gives each lane a column: a lane whose
     * first column is −∞ once computed exp(−∞ − (−∞)) = NaN), and wider than a warp.
     */
    @Test
    void minusInfinityLogitsHaveProbabilityZero() {
        for (int v : new int[] {5, 40}) {
            int n = v;
            float[] z = random(n * v, 3);
            int[] y = new int[n];
            for (int r = 0; r < n; r++) {
                z[r * v + r] = Float.NEGATIVE_INFINITY;  // row r: column r masked, every position once
                z[r * v + (r + 3) % v] = Float.NEGATIVE_INFINITY;
                y[r] = (r + 1) % v;
            }
            Tensor Z = upload(n, v, z);
            IndexBuffer Y = be.allocateIndices(n);
            be.uploadIndices(y, 0, Y, n);
            Tensor L = be.allocate(1, 1);
            be.softmaxCrossEntropy(Z, Y, 0, null, 1f, L);
            double loss = 0;
            double[] grad = new double[n * v];
            for (int r = 0; r < n; r++) {
                double max = Double.NEGATIVE_INFINITY;
                double sum = 0;
                for (int c = 0; c < v; c++) {
                    max = Math.max(max, z[r * v + c]);
                }
                for (int c = 0; c < v; c++) {
                    sum += Math.exp(z[r * v + c] - max);
                }
                double lse = max + Math.log(sum);
                loss += lse - z[r * v + y[r]];
                for (int c = 0; c < v; c++) {
                    grad[r * v + c] = Math.exp(z[r * v + c] - lse) - (c == y[r] ? 1 : 0);
                }
            }
            assertClose(new double[] {loss}, down(L), 1e-6, "loss with −∞ logits, V = " + v);
            assertClose(grad, down(Z), TOL, "gradient with −∞ logits, V = " + v);
            Y.close();
            close(Z, L);
        }
    }

    @Test
    void squaredError() {
        int n = 5;
        int o = 3;
        float[] p = random(n * o, 2);
        float[] t = random(n * o, 2);
        float[] w = {1f, 0f, 2f, 1f, 0.5f};
        Tensor P = upload(n, o, p);
        Tensor Tt = upload(n, o, t);
        Tensor W = upload(n, 1, w);
        Tensor L = be.allocate(1, 1);
        be.squaredError(P, Tt, W, 0.5f, L);
        double loss = 0;
        double[] grad = new double[n * o];
        for (int i = 0; i < n * o; i++) {
            double d = (double) p[i] - t[i];
            loss += w[i / o] * d * d;
            grad[i] = 0.5 * w[i / o] * 2 * d;
        }
        assertClose(new double[] {loss}, down(L), 1e-6, "squared error loss");
        assertClose(grad, down(P), TOL, "squared error gradient");
        close(P, Tt, W, L);
    }

    @Test
    void omegaRowsAreTheRegularizersTermsAndTheirGradient() {
        int n = 6;
        int c = 4;
        float[] v = random(n * c, 31);
        float[] d = random(n * c, 32);
        for (int j = 0; j < c; j++) {
            d[2 * c + j] = 0f; // no gradient flows here: the row adds nothing
            v[4 * c + j] = 0f; // nothing flows back: ρ = 0
        }
        Tensor wide = upload(n, c + 3, new float[n * (c + 3)]);
        Tensor V = wide.cols(1, c);
        float[] strided = new float[n * (c + 3)];
        for (int r = 0; r < n; r++) {
            System.arraycopy(v, r * c, strided, r * (c + 3) + 1, c);
        }
        be.upload(strided, 0, wide);
        Tensor D = upload(n, c, d);
        Tensor out = poisoned(n, c);
        Tensor sum = upload(1, 1, new float[] {0.5f});
        be.omegaRows(V, D, out, sum);
        double total = 0.5;
        double[] grad = new double[n * c];
        for (int r = 0; r < n; r++) {
            double sv = 0;
            double sd = 0;
            for (int j = 0; j < c; j++) {
                sv += (double) v[r * c + j] * v[r * c + j];
                sd += (double) d[r * c + j] * d[r * c + j];
            }
            if (sd == 0) {
                continue;
            }
            double rho = Math.sqrt(sv) / Math.sqrt(sd);
            total += (rho - 1) * (rho - 1);
            for (int j = 0; j < c; j++) {
                grad[r * c + j] = sv == 0 ? 0 : 2 * (rho - 1) / (Math.sqrt(sv) * Math.sqrt(sd)) * v[r * c + j];
            }
        }
        assertClose(new double[] {total}, down(sum), 1e-6, "Ω sum (accumulated onto 0.5)");
        assertClose(grad, down(out), TOL, "Ω gradient rows");
        // In place, and the sum again.
        be.omegaRows(V, D, V, sum);
        float[] back = down(wide);
        double[] inPlace = new double[n * c];
        float[] got = new float[n * c];
        for (int r = 0; r < n; r++) {
            for (int j = 0; j < c; j++) {
                inPlace[r * c + j] = grad[r * c + j];
                got[r * c + j] = back[r * (c + 3) + 1 + j];
            }
            assertEquals(0f, back[r * (c + 3)], "the columns outside the view are untouched");
        }
        assertClose(inPlace, got, TOL, "Ω in place");
        assertClose(new double[] {2 * total - 0.5}, down(sum), 1e-6, "Ω sum accumulates");
        assertThrows(IllegalArgumentException.class, () -> be.omegaRows(V, D, D, sum));
        assertThrows(IllegalArgumentException.class, () -> be.omegaRows(V, upload(n, c + 1, new float[n * (c + 1)]),
                out, sum));
        close(wide, D, out, sum);
    }

    // ------------------------------------------------------------------ dropout

    /** SplitMix64's finalizer, written here from the specification in {@link Backend#dropoutMask}. */
    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** The mask the specification gives, as the float64 reference and every backend must draw it. */
    public static float[] referenceMask(int n, float p, long seed, long stream) {
        float[] m = new float[n];
        long key = mix64(seed ^ mix64(stream));
        for (int i = 0; i < n; i++) {
            long v = mix64(key + 0x9E3779B97F4A7C15L * (i + 1L));
            double u = (v >>> 40) / (double) (1 << 24);
            m[i] = u < p ? 0f : 1f / (1f - p);
        }
        return m;
    }

    @Test
    void dropoutMasksAreTheSpecifiedBitsOnEveryBackend() {
        Tensor m = poisoned(37, 53);
        for (float p : new float[] {0f, 0.1f, 0.5f, 0.9f}) {
            be.dropoutMask(m, p, 42, 7);
            float[] got = down(m);
            assertArrayEquals(referenceMask(37 * 53, p, 42, 7), got, "p = " + p);
            int zeros = 0;
            for (float v : got) {
                zeros += v == 0f ? 1 : 0;
            }
            assertEquals(p, zeros / (double) got.length, 0.04, "the fraction dropped");
        }
        be.dropoutMask(m, 0.5f, 42, 8);
        assertTrue(!java.util.Arrays.equals(referenceMask(37 * 53, 0.5f, 42, 7), down(m)), "another stream, another mask");
        assertThrows(IllegalArgumentException.class, () -> be.dropoutMask(m, 1f, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> be.dropoutMask(be.allocate(4, 6).cols(0, 3), 0.5f, 1, 1));
        close(m);
    }

    @Test
    void multiplyRepeatsTheFactorsOverBlocksOfRows() {
        int b = 3;
        int t = 4;
        int c = 5;
        float[] x = random(t * b * c, 2);
        float[] f = random(b * c, 1);
        Tensor X = upload(t * b, c, x);
        Tensor F = upload(b, c, f);
        Tensor O = poisoned(t * b, c);
        be.multiply(X, F, O);
        double[] want = new double[x.length];
        for (int r = 0; r < t * b; r++) {
            for (int k = 0; k < c; k++) {
                want[r * c + k] = (double) x[r * c + k] * f[(r % b) * c + k];
            }
        }
        assertClose(want, down(O), TOL, "per-sequence factors");
        Tensor full = upload(t * b, c, random(t * b * c, 1));
        float[] fv = down(full);
        be.multiply(X, full, X); // in place, factors as large as x
        for (int i = 0; i < x.length; i++) {
            want[i] = (double) x[i] * fv[i];
        }
        assertClose(want, down(X), TOL, "element-wise, in place");
        assertThrows(IllegalArgumentException.class, () -> be.multiply(X, be.allocate(5, c), O), "5 does not divide 12");
        assertThrows(IllegalArgumentException.class, () -> be.multiply(X, X.rows(0, b), X), "factors inside the output");
        close(X, F, O, full);
    }

    // ------------------------------------------------------------------ optimizers

    /** Every optimizer with every option that changes its formula, as PyTorch's torch.optim writes it. */
    static java.util.stream.Stream<UpdateRule> optimizerCases() {
        java.util.List<UpdateRule> out = new java.util.ArrayList<>();
        for (float clip : new float[] {Float.POSITIVE_INFINITY, 0.3f}) {
            for (float wd : new float[] {0f, 0.05f}) {
                out.add(rule(UpdateRule.Kind.SGD, 0f, false, false, wd, 0f, clip));
                out.add(rule(UpdateRule.Kind.SGD, 0.9f, false, false, wd, 0f, clip));
                out.add(rule(UpdateRule.Kind.SGD, 0.9f, true, false, wd, 0f, clip));
                out.add(rule(UpdateRule.Kind.ADAGRAD, 0f, false, false, wd, 0f, clip));
                out.add(rule(UpdateRule.Kind.ADAGRAD, 0f, false, false, wd, 0.1f, clip));
                for (float mu : new float[] {0f, 0.8f}) {
                    for (boolean centered : new boolean[] {false, true}) {
                        out.add(rule(UpdateRule.Kind.RMSPROP, mu, false, centered, wd, 0f, clip));
                    }
                }
                out.add(rule(UpdateRule.Kind.ADAM, 0f, false, false, wd, 0f, clip));
                out.add(rule(UpdateRule.Kind.ADAMW, 0f, false, false, wd, 0f, clip));
            }
        }
        return out.stream();
    }

    private static UpdateRule rule(UpdateRule.Kind kind, float mu, boolean nesterov, boolean centered, float wd,
                                   float acc, float clip) {
        return new UpdateRule(kind, 0.05f, mu, 0.95f, 0.8f, 0.99f, 1e-6f, wd, nesterov, centered, acc, clip);
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.MethodSource("optimizerCases")
    void optimizerUpdateMatchesTheFormulas(UpdateRule rule) {
        int n = 37;
        float[] p = random(n, 1);
        Tensor P = upload(1, n, p);
        Tensor[] S = new Tensor[3];
        for (int i = 0; i < 3; i++) {
            S[i] = be.allocate(1, n);
            if (i < rule.stateTensors()) {
                be.fill(S[i], rule.initialState(i));
            }
        }
        Tensor K = upload(1, 1, new float[] {0.7f});
        double[] pd = new double[n];
        double[][] st = new double[3][n];
        for (int i = 0; i < n; i++) {
            pd[i] = p[i];
            st[0][i] = rule.initialState(0);
        }
        double lr = rule.learningRate();
        double mu = rule.momentum();
        double wd = rule.weightDecay();
        double eps = rule.epsilon();
        double clip = rule.clipValue();
        for (int step = 1; step <= 3; step++) {
            float[] g = random(n, 1);
            for (int i = 0; i < n; i++) {
                // Keep the effective gradient away from 0: near it, float32 cancellation in 0.7g + wd·p is amplified
                // by the adaptive rules' g/√v (a property of float32, not of a backend).
                while (Math.abs(0.7 * g[i] + (rule.kind() == UpdateRule.Kind.ADAMW ? 0 : wd) * pd[i]) < 1e-3) {
                    g[i] = (float) (2 * rnd.nextDouble() - 1);
                }
            }
            Tensor G = upload(1, n, g);
            be.optimizerUpdate(rule, P, G, rule.stateTensors() > 0 ? S[0] : null, rule.stateTensors() > 1 ? S[1] : null,
                    rule.stateTensors() > 2 ? S[2] : null, K, step);
            assertArrayEquals(g, down(G), "gradients are not modified");
            for (int i = 0; i < n; i++) {
                double gi = Math.max(-clip, Math.min(clip, 0.7 * g[i]));
                if (rule.kind() != UpdateRule.Kind.ADAMW) {
                    gi += wd * pd[i];
                }
                switch (rule.kind()) {
                    case SGD -> {
                        if (mu != 0) {
                            st[0][i] = mu * st[0][i] + gi;
                            gi = rule.nesterov() ? gi + mu * st[0][i] : st[0][i];
                        }
                        pd[i] -= lr * gi;
                    }
                    case ADAGRAD -> {
                        st[0][i] += gi * gi;
                        pd[i] -= lr * gi / (Math.sqrt(st[0][i]) + eps);
                    }
                    case RMSPROP -> {
                        double a = rule.rho();
                        st[0][i] = a * st[0][i] + (1 - a) * gi * gi;
                        double d;
                        if (rule.centered()) {
                            st[2][i] = a * st[2][i] + (1 - a) * gi;
                            d = Math.sqrt(st[0][i] - st[2][i] * st[2][i]) + eps;
                        } else {
                            d = Math.sqrt(st[0][i]) + eps;
                        }
                        if (mu != 0) {
                            st[1][i] = mu * st[1][i] + gi / d;
                            pd[i] -= lr * st[1][i];
                        } else {
                            pd[i] -= lr * gi / d;
                        }
                    }
                    case ADAM, ADAMW -> {
                        if (rule.kind() == UpdateRule.Kind.ADAMW) {
                            pd[i] -= lr * wd * pd[i];
                        }
                        st[0][i] = 0.8 * st[0][i] + 0.2 * gi;
                        st[1][i] = 0.99 * st[1][i] + 0.01 * gi * gi;
                        double mh = st[0][i] / (1 - Math.pow(0.8, step));
                        double vh = st[1][i] / (1 - Math.pow(0.99, step));
                        pd[i] -= lr * mh / (Math.sqrt(vh) + eps);
                    }
                }
            }
            close(G);
        }
        assertClose(pd, down(P), 2e-5, rule + " parameters");
        // The state arenas in UpdateRule's order: RMSProp v, then b (momentum), then ḡ (centered).
        double[][] want = switch (rule.kind()) {
            case RMSPROP -> mu != 0 && rule.centered() ? new double[][] {st[0], st[1], st[2]}
                    : mu != 0 ? new double[][] {st[0], st[1]} : rule.centered() ? new double[][] {st[0], st[2]}
                    : new double[][] {st[0]};
            default -> java.util.Arrays.copyOf(st, rule.stateTensors());
        };
        for (int i = 0; i < rule.stateTensors(); i++) {
            assertClose(want[i], down(S[i]), 2e-5, rule + " state " + i);
        }
        close(P, S[0], S[1], S[2], K);
    }

    @Test
    void plainSgdNeedsNoState() {
        UpdateRule rule = UpdateRule.defaults(UpdateRule.Kind.SGD, 0.5f);
        assertEquals(0, rule.stateTensors());
        Tensor P = upload(1, 3, new float[] {1f, 2f, 3f});
        Tensor G = upload(1, 3, new float[] {1f, -1f, 0.5f});
        Tensor K = upload(1, 1, new float[] {1f});
        be.optimizerUpdate(rule, P, G, null, null, null, K, 1);
        assertArrayEquals(new float[] {0.5f, 2.5f, 2.75f}, down(P));
        close(P, G, K);
    }

    @Test
    void gatedUpdateCountsOnTheBackendAndSkipsWhenTheCheckIsNotFinite() {
        UpdateRule adam = UpdateRule.defaults(UpdateRule.Kind.ADAM, 0.1f);
        int n = 29;
        float[] p = random(n, 1);
        float[] g = random(n, 1);
        Tensor P = upload(1, n, p);
        Tensor Q = upload(1, n, p);
        Tensor G = upload(1, n, g);
        Tensor[] s = {be.allocate(1, n), be.allocate(1, n), be.allocate(1, n), be.allocate(1, n)};
        Tensor K = upload(1, 1, new float[] {0.5f});
        Tensor control = upload(1, 2, new float[] {0f, 0.1f});
        Tensor check = upload(1, 2, new float[] {3f, 4f});
        // Update 1 through the gate, against the plain update.
        be.gatedUpdate(adam, P, G, s[0], s[1], null, K, check, control, 1);
        be.optimizerUpdate(adam, Q, G, s[2], s[3], null, K, 1);
        assertClose(toDouble(down(Q)), down(P), 1e-6, "gated update 1");
        assertArrayEquals(new float[] {1f, 0.1f}, down(control), "the control counts the update");
        // A NaN in the check: nothing changes, the count neither.
        float[] before = down(P);
        float[] m = down(s[0]);
        be.upload(new float[] {Float.NaN, 4f}, 0, check);
        be.gatedUpdate(adam, P, G, s[0], s[1], null, K, check, control, 2);
        assertArrayEquals(before, down(P), "a closed gate leaves the parameters");
        assertArrayEquals(m, down(s[0]), "and the state");
        assertArrayEquals(new float[] {1f, 0.1f}, down(control), "and the count");
        be.upload(new float[] {1f, Float.POSITIVE_INFINITY}, 0, check);
        be.gatedUpdate(adam, P, G, s[0], s[1], null, K, check, control, 2);
        assertArrayEquals(before, down(P), "an infinity closes it too");
        // No check: always. The count set to 9 and the rate to 0.02 make this update 10 at 0.02 (Adam's
        // corrections from the count; the rule says the same, as the caller keeps them equal).
        be.upload(new float[] {9f, 0.02f}, 0, control);
        UpdateRule slower = adam.withLearningRate(0.02f);
        be.gatedUpdate(slower, P, G, s[0], s[1], null, K, null, control, 10);
        be.optimizerUpdate(slower, Q, G, s[2], s[3], null, K, 10);
        assertClose(toDouble(down(Q)), down(P), 1e-6, "update 10 at the control's rate");
        assertArrayEquals(new float[] {10f, 0.02f}, down(control));
        Tensor one = be.allocate(1, 1);
        assertThrows(IllegalArgumentException.class,
                () -> be.gatedUpdate(adam, P, G, s[0], s[1], null, K, null, one, 11), "the control is 1x2");
        close(P, Q, G, s[0], s[1], s[2], s[3], K, control, check, one);
    }

    private static double[] toDouble(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            d[i] = x[i];
        }
        return d;
    }

    @Test
    void aCaptureReplaysItsWorkWithTheArgumentsItWasCapturedWith() {
        Tensor x = upload(1, 3, new float[] {1f, 2f, 3f});
        Tensor y = upload(1, 3, new float[] {1f, 1f, 1f});
        float[] factor = {2f};
        Captured c = be.capture(() -> {
            be.scale(x, factor[0]);
            be.axpy(1f, y, x);
        });
        assertArrayEquals(new float[] {1f, 2f, 3f}, down(x), "capturing runs nothing");
        if (c == null) {
            close(x, y);
            return; // this backend does not capture: the caller runs the work itself
        }
        factor[0] = 100f;
        c.replay();
        assertArrayEquals(new float[] {3f, 5f, 7f}, down(x), "one replay, the factor as captured");
        be.upload(new float[] {0f, 1f, 2f}, 0, y);
        c.replay();
        assertArrayEquals(new float[] {6f, 11f, 16f}, down(x), "a replay reads the tensors as they are now");
        c.close();
        c.close();
        assertThrows(IllegalStateException.class, () -> be.capture(() -> be.download(x, new float[3], 0)),
                "a capture cannot wait for the device");
        close(x, y);
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({"5,3,4", "64,8,6", "130,2,3", "40,24,3"})
    void theWholeGatedRecurrencesMatchTheirSteps(int h, int b, int steps) {
        GatedRecurrenceContract c = new GatedRecurrenceContract(this);
        c.lstm(h, b, steps);
        c.gru(h, b, steps, true);
        c.gru(h, b, steps, false);
    }
}
