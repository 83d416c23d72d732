package io.rnn4j.backend.cpu;

import io.rnn4j.backend.Activation;
import java.nio.FloatBuffer;

/**
 * The element-wise CPU kernels on raw (buffer, offset, stride) row ranges, so that the backend can
 * run any row range on any thread without creating views. Offsets and strides are in floats.
 */
final class Kernels {
    private Kernels() {
    }

    /**
     * max(s, 0), and NaN for NaN whatever its sign bit (x86 arithmetic makes NaNs with the sign bit
     * set): {@link Math#max} is branch-free and keeps NaN.
     */
    static float relu(float v) {
        return Math.max(v, 0f);
    }

    /** 1 for s &gt; 0, else 0 (s = −0 or NaN included), without a branch. */
    static float step(float v) {
        int bits = Float.floatToRawIntBits(v);
        // bits − 1 is negative exactly for bits ≤ 0 (zero and negative floats) … and stays ≥ 0 for
        // positive ones; NaN patterns with a clear sign bit are positive ints, so treat them by
        // comparing against the +∞ pattern.
        int positive = ((bits - 1) | (0x7F800000 - bits)) >>> 31 ^ 1;
        return positive;
    }

    /** h = f(s) on rows × cols. For PReLU, slope[aOff + c] per column. */
    static void activationForward(Activation f, FloatBuffer s, int sOff, int sStride, FloatBuffer h, int hOff,
                                  int hStride, int rows, int cols, FloatBuffer slope, int aOff) {
        VectorOps vec = VectorSupport.OPS;
        if (vec != null && f == Activation.TANH && sStride == cols && hStride == cols) {
            vec.tanh(s, sOff, h, hOff, rows * cols); // dense rows: one block
            return;
        }
        for (int r = 0; r < rows; r++) {
            int sb = sOff + r * sStride;
            int hb = hOff + r * hStride;
            switch (f) {
                case TANH -> {
                    if (vec != null) {
                        vec.tanh(s, sb, h, hb, cols);
                        continue;
                    }
                    for (int c = 0; c < cols; c++) {
                        h.put(hb + c, FastMath.tanh(s.get(sb + c)));
                    }
                }
                case LOGISTIC -> {
                    for (int c = 0; c < cols; c++) {
                        h.put(hb + c, FastMath.logistic(s.get(sb + c)));
                    }
                }
                case RELU -> {
                    for (int c = 0; c < cols; c++) {
                        h.put(hb + c, relu(s.get(sb + c)));
                    }
                }
                case PRELU -> {
                    for (int c = 0; c < cols; c++) {
                        float v = s.get(sb + c);
                        h.put(hb + c, v > 0f ? v : slope.get(aOff + c) * v);
                    }
                }
                case IDENTITY -> {
                    if (s != h || sb != hb) {
                        h.put(hb, s, sb, cols);
                    }
                }
                default -> throw new IllegalArgumentException("unsupported activation " + f);
            }
        }
    }

    /**
     * g = f'(s) ⊙ g on rows × cols; for PReLU also {@code slopeGrad[c] += Σ_r g·s} over s ≤ 0 into
     * the float array {@code partial} (one entry per column).
     */
    static void activationBackward(Activation f, FloatBuffer s, int sOff, int sStride, FloatBuffer h, int hOff,
                                   int hStride, FloatBuffer g, int gOff, int gStride, int rows, int cols,
                                   FloatBuffer slope, int aOff, double[] partial) {
        VectorOps vec = VectorSupport.OPS;
        if (vec != null && f == Activation.TANH && hStride == cols && gStride == cols) {
            vec.tanhBackward(h, hOff, g, gOff, rows * cols); // dense rows: one block
            return;
        }
        for (int r = 0; r < rows; r++) {
            int sb = sOff + r * sStride;
            int hb = hOff + r * hStride;
            int gb = gOff + r * gStride;
            switch (f) {
                case TANH -> {
                    if (vec != null) {
                        vec.tanhBackward(h, hb, g, gb, cols);
                        continue;
                    }
                    for (int c = 0; c < cols; c++) {
                        float y = h.get(hb + c);
                        g.put(gb + c, g.get(gb + c) * (1f - y * y));
                    }
                }
                case LOGISTIC -> {
                    for (int c = 0; c < cols; c++) {
                        float y = h.get(hb + c);
                        g.put(gb + c, g.get(gb + c) * (y * (1f - y)));
                    }
                }
                case RELU -> {
                    for (int c = 0; c < cols; c++) {
                        g.put(gb + c, g.get(gb + c) * step(s.get(sb + c)));
                    }
                }
                case PRELU -> {
                    for (int c = 0; c < cols; c++) {
                        float v = s.get(sb + c);
                        if (!(v > 0f)) {
                            float gv = g.get(gb + c);
                            partial[c] += (double) gv * v;
                            g.put(gb + c, gv * slope.get(aOff + c));
                        }
                    }
                }
                case IDENTITY -> {
                }
                default -> throw new IllegalArgumentException("unsupported activation " + f);
            }
        }
    }

    /**
     * Softmax cross-entropy on rows [r0, r1) of z (cols wide); returns Σ w·loss over those rows.
     * Targets come from {@code tg[tOff + r]}, weights from {@code w[wOff + r·wStride]} (w may be null).
     */
    static double softmaxCrossEntropy(FloatBuffer z, int zOff, int zStride, int r0, int r1, int cols, int[] tg,
                                      int tOff, FloatBuffer w, int wOff, int wStride, float gradScale) {
        VectorOps ops = VectorSupport.OPS;
        double total = 0;
        for (int r = r0; r < r1; r++) {
            int zb = zOff + r * zStride;
            float wr = w == null ? 1f : w.get(wOff + r * wStride);
            if (wr == 0f) {
                for (int c = 0; c < cols; c++) {
                    z.put(zb + c, 0f);
                }
                continue;
            }
            int y = tg[tOff + r];
            if (y < 0 || y >= cols) {
                throw new IllegalArgumentException("softmaxCrossEntropy: target " + y + " at position " + (tOff + r)
                        + " is outside [0, " + cols + ")");
            }
            total += ops == null ? softmaxRow(z, zb, cols, y, wr, gradScale)
                    : ops.softmaxRow(z, zb, cols, y, wr, gradScale);
        }
        return total;
    }

    /**
     * One row of {@link #softmaxCrossEntropy} in place: {@code z ← gradScale·w·(softmax(z) − onehot(y))};
     * answers the row's loss {@code w·(log Σ exp(z − max) − (z_y − max))}. The Vector API's version
     * ({@link VectorOps#softmaxRow}) gives the same bits.
     */
    static double softmaxRow(FloatBuffer z, int zb, int cols, int y, float wr, float gradScale) {
        float max = Float.NEGATIVE_INFINITY;
        for (int c = 0; c < cols; c++) {
            max = Math.max(max, z.get(zb + c));
        }
        // loss_r = log Σ exp(z − max) − (z_y − max): finite even where exp(z_y − max) underflows.
        double zy = (double) z.get(zb + y) - max;
        for (int c = 0; c < cols; c++) {
            z.put(zb + c, FastMath.exp(z.get(zb + c) - max));
        }
        double total1 = FastMath.blockSum(z, zb, cols);
        float k = (float) (gradScale * wr / total1);
        for (int c = 0; c < cols; c++) {
            z.put(zb + c, k * z.get(zb + c));
        }
        z.put(zb + y, z.get(zb + y) - gradScale * wr);
        return wr * (Math.log(total1) - zy);
    }

    /**
     * LSTM forward on rows [r0, r1) and units [j0, j1) of H: raw (buffer, offset, stride) for gates
     * (4H wide), cPrev, c, h, tanhC (H wide). On the Vector API when the module is there (the same bits).
     */
    static void lstmForward(FloatBuffer gb, int go, int gs, FloatBuffer cpb, int cpo, int cps, FloatBuffer cb, int co,
                            int cs, FloatBuffer hb, int ho, int hs, FloatBuffer tb, int to, int ts, int r0, int r1,
                            int j0, int j1, int h) {
        VectorOps v = VectorSupport.OPS;
        if (v != null) {
            for (int r = r0; r < r1; r++) {
                v.lstmForward(gb, go + r * gs, cpb, cpo + r * cps, cb, co + r * cs, hb, ho + r * hs, tb, to + r * ts,
                        j0, j1, h);
            }
            return;
        }
        lstmForwardScalar(gb, go, gs, cpb, cpo, cps, cb, co, cs, hb, ho, hs, tb, to, ts, r0, r1, j0, j1, h);
    }

    /** The scalar loop (the vector path's reference). */
    static void lstmForwardScalar(FloatBuffer gb, int go, int gs, FloatBuffer cpb, int cpo, int cps, FloatBuffer cb,
                                  int co, int cs, FloatBuffer hb, int ho, int hs, FloatBuffer tb, int to, int ts,
                                  int r0, int r1, int j0, int j1, int h) {
        for (int r = r0; r < r1; r++) {
            int g = go + r * gs;
            for (int j = j0; j < j1; j++) {
                float i = FastMath.gate(gb.get(g + j));
                float f = FastMath.gate(gb.get(g + h + j));
                float cand = FastMath.tanh(gb.get(g + 2 * h + j));
                float o = FastMath.gate(gb.get(g + 3 * h + j));
                gb.put(g + j, i);
                gb.put(g + h + j, f);
                gb.put(g + 2 * h + j, cand);
                gb.put(g + 3 * h + j, o);
                float c = f * cpb.get(cpo + r * cps + j) + i * cand;
                float tc = FastMath.tanh(c);
                cb.put(co + r * cs + j, c);
                tb.put(to + r * ts + j, tc);
                hb.put(ho + r * hs + j, o * tc);
            }
        }
    }

    /** LSTM backward on rows [r0, r1) and units [j0, j1). */
    static void lstmBackward(FloatBuffer gb, int go, int gs, FloatBuffer cpb, int cpo, int cps, FloatBuffer tb, int to,
                             int ts, FloatBuffer dhb, int dho, int dhs, FloatBuffer dcb, int dco, int dcs,
                             FloatBuffer dgb, int dgo, int dgs, int r0, int r1, int j0, int j1, int h) {
        VectorOps v = VectorSupport.OPS;
        if (v != null) {
            for (int r = r0; r < r1; r++) {
                v.lstmBackward(gb, go + r * gs, cpb, cpo + r * cps, tb, to + r * ts, dhb, dho + r * dhs, dcb,
                        dco + r * dcs, dgb, dgo + r * dgs, j0, j1, h);
            }
            return;
        }
        lstmBackwardScalar(gb, go, gs, cpb, cpo, cps, tb, to, ts, dhb, dho, dhs, dcb, dco, dcs, dgb, dgo, dgs, r0,
                r1, j0, j1, h);
    }

    /** The scalar loop (the vector path's reference). */
    static void lstmBackwardScalar(FloatBuffer gb, int go, int gs, FloatBuffer cpb, int cpo, int cps, FloatBuffer tb,
                                   int to, int ts, FloatBuffer dhb, int dho, int dhs, FloatBuffer dcb, int dco, int dcs,
                                   FloatBuffer dgb, int dgo, int dgs, int r0, int r1, int j0, int j1, int h) {
        for (int r = r0; r < r1; r++) {
            int g = go + r * gs;
            int dg = dgo + r * dgs;
            for (int j = j0; j < j1; j++) {
                float i = gb.get(g + j);
                float f = gb.get(g + h + j);
                float cand = gb.get(g + 2 * h + j);
                float o = gb.get(g + 3 * h + j);
                float tc = tb.get(to + r * ts + j);
                float dh = dhb.get(dho + r * dhs + j);
                float dc = dcb.get(dco + r * dcs + j) + dh * o * (1f - tc * tc);
                float cp = cpb.get(cpo + r * cps + j);
                dgb.put(dg + j, dc * cand * i * (1f - i));
                dgb.put(dg + h + j, dc * cp * f * (1f - f));
                dgb.put(dg + 2 * h + j, dc * i * (1f - cand * cand));
                dgb.put(dg + 3 * h + j, dh * tc * o * (1f - o));
                dcb.put(dco + r * dcs + j, dc * f);
            }
        }
    }

    /** GRU forward on rows [r0, r1) and units [j0, j1). */
    static void gruForward(FloatBuffer xb, int xo, int xs, FloatBuffer hgb, int hgo, int hgs, FloatBuffer hpb, int hpo,
                           int hps, FloatBuffer hb, int ho, int hs, FloatBuffer ab, int ao, int as, int r0, int r1,
                           int j0, int j1, int h) {
        VectorOps v = VectorSupport.OPS;
        if (v != null) {
            for (int r = r0; r < r1; r++) {
                v.gruForward(xb, xo + r * xs, hgb, hgo + r * hgs, hpb, hpo + r * hps, hb, ho + r * hs, ab, ao + r * as,
                        j0, j1, h);
            }
            return;
        }
        gruForwardScalar(xb, xo, xs, hgb, hgo, hgs, hpb, hpo, hps, hb, ho, hs, ab, ao, as, r0, r1, j0, j1, h);
    }

    /** The scalar loop (the vector path's reference). */
    static void gruForwardScalar(FloatBuffer xb, int xo, int xs, FloatBuffer hgb, int hgo, int hgs, FloatBuffer hpb,
                                 int hpo, int hps, FloatBuffer hb, int ho, int hs, FloatBuffer ab, int ao, int as,
                                 int r0, int r1, int j0, int j1, int h) {
        for (int r = r0; r < r1; r++) {
            int x = xo + r * xs;
            int hg = hgo + r * hgs;
            int a = ao + r * as;
            for (int j = j0; j < j1; j++) {
                float rg = FastMath.gate(xb.get(x + j) + hgb.get(hg + j));
                float z = FastMath.gate(xb.get(x + h + j) + hgb.get(hg + h + j));
                float n = FastMath.tanh(xb.get(x + 2 * h + j) + rg * hgb.get(hg + 2 * h + j));
                ab.put(a + j, rg);
                ab.put(a + h + j, z);
                ab.put(a + 2 * h + j, n);
                hb.put(ho + r * hs + j, (1f - z) * n + z * hpb.get(hpo + r * hps + j));
            }
        }
    }

    /** GRU backward on rows [r0, r1) and units [j0, j1). */
    static void gruBackward(FloatBuffer ab, int ao, int as, FloatBuffer hgb, int hgo, int hgs, FloatBuffer hpb, int hpo,
                            int hps, FloatBuffer dhb, int dho, int dhs, FloatBuffer dxb, int dxo, int dxs,
                            FloatBuffer dhgb, int dhgo, int dhgs, FloatBuffer dpb, int dpo, int dps, int r0, int r1,
                            int j0, int j1, int h) {
        VectorOps v = VectorSupport.OPS;
        if (v != null) {
            for (int r = r0; r < r1; r++) {
                v.gruBackward(ab, ao + r * as, hgb, hgo + r * hgs, hpb, hpo + r * hps, dhb, dho + r * dhs, dxb,
                        dxo + r * dxs, dhgb, dhgo + r * dhgs, dpb, dpo + r * dps, j0, j1, h);
            }
            return;
        }
        gruBackwardScalar(ab, ao, as, hgb, hgo, hgs, hpb, hpo, hps, dhb, dho, dhs, dxb, dxo, dxs, dhgb, dhgo, dhgs,
                dpb, dpo, dps, r0, r1, j0, j1, h);
    }

    /** The scalar loop (the vector path's reference). */
    static void gruBackwardScalar(FloatBuffer ab, int ao, int as, FloatBuffer hgb, int hgo, int hgs, FloatBuffer hpb,
                                  int hpo, int hps, FloatBuffer dhb, int dho, int dhs, FloatBuffer dxb, int dxo,
                                  int dxs, FloatBuffer dhgb, int dhgo, int dhgs, FloatBuffer dpb, int dpo, int dps,
                                  int r0, int r1, int j0, int j1, int h) {
        for (int r = r0; r < r1; r++) {
            int a = ao + r * as;
            int hg = hgo + r * hgs;
            int dx = dxo + r * dxs;
            int dhg = dhgo + r * dhgs;
            for (int j = j0; j < j1; j++) {
                float rg = ab.get(a + j);
                float z = ab.get(a + h + j);
                float n = ab.get(a + 2 * h + j);
                float dh = dhb.get(dho + r * dhs + j);
                float hp = hpb.get(hpo + r * hps + j);
                float dnPre = dh * (1f - z) * (1f - n * n);
                float dzPre = dh * (hp - n) * z * (1f - z);
                float hn = hgb.get(hg + 2 * h + j);
                float drPre = dnPre * hn * rg * (1f - rg);
                dxb.put(dx + j, drPre);
                dxb.put(dx + h + j, dzPre);
                dxb.put(dx + 2 * h + j, dnPre);
                dhgb.put(dhg + j, drPre);
                dhgb.put(dhg + h + j, dzPre);
                dhgb.put(dhg + 2 * h + j, dnPre * rg);
                dpb.put(dpo + r * dps + j, dh * z);
            }
        }
    }

    /**
     * Σ x² over n contiguous floats from off, with sixteen independent double accumulators (element i
     * goes to accumulator i mod 16; they are added in order at the end), read in bulk-copied chunks:
     * the same sums, in the same order, as an element-by-element loop, without a bounds-checked buffer
     * access per element. Each square is exact in double. Sixteen accumulators in an array took 0.61
     * of the time of four in locals, measured through the backend (docs/PERFORMANCE.md, "Late evening").
     */
    static double sumSquares(FloatBuffer x, int off, int n) {
        float[] c = Scratch.floats(Scratch.CHUNK, 4096);
        double[] lanes = Scratch.zeroedLanes();
        int chunk = c.length / Scratch.SUM_LANES * Scratch.SUM_LANES; // only the last chunk has a tail
        for (int start = 0; start < n; start += chunk) {
            int len = Math.min(chunk, n - start);
            x.get(off + start, c, 0, len);
            int full = len / Scratch.SUM_LANES * Scratch.SUM_LANES;
            for (int i = 0; i < full; i += Scratch.SUM_LANES) {
                for (int l = 0; l < Scratch.SUM_LANES; l++) {
                    double v = c[i + l];
                    lanes[l] += v * v;
                }
            }
            for (int i = full; i < len; i++) {
                double v = c[i];
                lanes[i - full] += v * v; // the last chunk's tail: elements i mod 16 = i − full
            }
        }
        double total = 0;
        for (int l = 0; l < Scratch.SUM_LANES; l++) {
            total += lanes[l];
        }
        return total;
    }
}
