package io.rnn4j.backend.cpu;

import java.nio.FloatBuffer;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link VectorOps} on the JDK's Vector API ({@code jdk.incubator.vector}, the machine's widest
 * float vectors): {@link FastMath}'s formulas lane by lane, with multiplications and additions kept
 * separate (no fused multiply-add) so that every result is the scalar one bit for bit. A row is
 * copied into a per-thread array (a bulk copy), computed there and copied back: array loads and
 * stores are the part of the incubating API that every JDK from 17 on has unchanged. Loaded only
 * when the module is readable ({@link VectorSupport}); never referenced otherwise.
 */
final class VectorKernels implements VectorOps {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    @Override
    public void tanh(FloatBuffer s, int so, FloatBuffer h, int ho, int n) {
        float[] a = Scratch.floats(Scratch.VECTOR_0, n);
        s.get(so, a, 0, n);
        tanhs(a, 0, 0, n);
        h.put(ho, a, 0, n);
    }

    /**
     * {@code a[to + i] = tanh(a[from + i])} on [0, n): {@link FastMath#tanh}'s operations lane by lane.
     * The vector tanh is written out inside each loop that needs it (here and in {@link #gates}), with
     * no helper taking or returning a vector and no branch between vectors: a vector that crosses a
     * call the JIT does not inline, or meets another at a branch's merge, is allocated, and whether
     * that happens depends on what the JIT compiled first (measured: a step then allocated 17-98 KB).
     * The bounds are checked here with a clear message, which also takes the method's bytecode past what
     * HotSpot's C2 inlines into a hot caller (325 bytes), so the loop is always a compilation of its own:
     * inlined into the LSTM's and GRU's cells, it and the gate loop exhausted C2's node budget for one
     * compilation, and the operations parsed after that ran as the Vector API's Java fallback (measured:
     * 37-57 MB allocated per step at 65/512/64/100; docs/PERFORMANCE.md).
     */
    private static void tanhs(float[] a, int from, int to, int n) {
        if (from < 0 || n < 0 || n > a.length - from) {
            throw new IndexOutOfBoundsException("tanh: " + n + " floats from " + from + " exceed the " + a.length
                    + "-float scratch row");
        }
        if (to < 0 || n > a.length - to) {
            throw new IndexOutOfBoundsException("tanh: " + n + " floats into " + to + " exceed the " + a.length
                    + "-float scratch row");
        }
        int j = 0;
        for (int up = S.loopBound(n); j < up; j += S.length()) {
            FloatVector x = FloatVector.fromArray(S, a, from + j);
            FloatVector c = x.min(9f).max(-9f);
            FloatVector u = c.mul(c);
            FloatVector p = FloatVector.broadcast(S, -1.224577579763514e-11f);
            p = p.mul(u).add(3.0641973381851398e-08f);
            p = p.mul(u).add(2.8031117493657083e-05f);
            p = p.mul(u).add(0.0038694997288939229f);
            p = p.mul(u).add(0.13680850229734501f);
            p = p.mul(u).add(0.99999999873952583f);
            FloatVector q = FloatVector.broadcast(S, 1.2890203120931201e-06f);
            q = q.mul(u).add(0.000394069782478489f);
            q = q.mul(u).add(0.027250127600409187f);
            q = q.mul(u).add(0.47014182326752363f);
            q = q.mul(u).add(1f);
            c.mul(p).div(q).min(1f).max(-1f).intoArray(a, to + j);
        }
        for (; j < n; j++) {
            a[to + j] = FastMath.tanh(a[from + j]);
        }
    }

    /**
     * {@code a[i] = 0.5 + 0.5·tanh(0.5·a[i])} ({@link FastMath#gate}) on [off, off + n): the halving,
     * {@link #tanhs} and the affine map, the same operations in the same order as the scalar formula.
     */
    private static void gates(float[] a, int off, int n) {
        int j = 0;
        for (int up = S.loopBound(n); j < up; j += S.length()) {
            FloatVector.fromArray(S, a, off + j).mul(0.5f).intoArray(a, off + j);
        }
        for (; j < n; j++) {
            a[off + j] = 0.5f * a[off + j];
        }
        tanhs(a, off, off, n);
        j = 0;
        for (int up = S.loopBound(n); j < up; j += S.length()) {
            FloatVector.fromArray(S, a, off + j).mul(0.5f).add(0.5f).intoArray(a, off + j);
        }
        for (; j < n; j++) {
            a[off + j] = 0.5f + 0.5f * a[off + j];
        }
    }

    @Override
    public void tanhBackward(FloatBuffer h, int ho, FloatBuffer g, int go, int n) {
        float[] y = Scratch.floats(Scratch.VECTOR_0, n);
        float[] d = Scratch.floats(Scratch.VECTOR_1, n);
        h.get(ho, y, 0, n);
        g.get(go, d, 0, n);
        int i = 0;
        FloatVector one = FloatVector.broadcast(S, 1f);
        for (int up = S.loopBound(n); i < up; i += S.length()) {
            FloatVector yv = FloatVector.fromArray(S, y, i);
            FloatVector.fromArray(S, d, i).mul(one.sub(yv.mul(yv))).intoArray(d, i);
        }
        for (; i < n; i++) {
            d[i] = d[i] * (1f - y[i] * y[i]);
        }
        g.put(go, d, 0, n);
    }

    // ------------------------------------------------------------------ the gated cells, one row at a time
    // Each operand's segment of the row is copied into one per-thread array (segments of n floats), the
    // cell is computed there with FastMath's operations in the scalar loops' order (Kernels), one function
    // or formula per loop (small loop bodies, so that the JIT inlines tanh and keeps every vector in
    // registers: a vector that escapes an uninlined call is allocated), the tails by the scalar formulas,
    // and the results copied back.

    /** {@code a[to + i] = a[x + i] * a[y + i] + a[u + i] * a[v + i]}. */
    private static void products(float[] a, int x, int y, int u, int v, int to, int n) {
        int j = 0;
        for (int up = S.loopBound(n); j < up; j += S.length()) {
            FloatVector.fromArray(S, a, x + j).mul(FloatVector.fromArray(S, a, y + j))
                    .add(FloatVector.fromArray(S, a, u + j).mul(FloatVector.fromArray(S, a, v + j))).intoArray(a, to + j);
        }
        for (; j < n; j++) {
            a[to + j] = a[x + j] * a[y + j] + a[u + j] * a[v + j];
        }
    }

    /** {@code a[to + i] = a[x + i] * a[y + i]}. */
    private static void product(float[] a, int x, int y, int to, int n) {
        int j = 0;
        for (int up = S.loopBound(n); j < up; j += S.length()) {
            FloatVector.fromArray(S, a, x + j).mul(FloatVector.fromArray(S, a, y + j)).intoArray(a, to + j);
        }
        for (; j < n; j++) {
            a[to + j] = a[x + j] * a[y + j];
        }
    }

    @Override
    public void lstmForward(FloatBuffer g, int go, FloatBuffer cp, int cpo, FloatBuffer c, int co, FloatBuffer hOut,
                            int ho, FloatBuffer tc, int to, int j0, int j1, int h) {
        int n = j1 - j0;
        float[] a = Scratch.floats(Scratch.VECTOR_0, 8 * n);  // i f g o | cp | c | tc | h
        for (int b = 0; b < 4; b++) {
            g.get(go + b * h + j0, a, b * n, n);
        }
        cp.get(cpo + j0, a, 4 * n, n);
        gates(a, 0, 2 * n);                       // i, f
        tanhs(a, 2 * n, 2 * n, n);                // g
        gates(a, 3 * n, n);                       // o
        products(a, n, 4 * n, 0, 2 * n, 5 * n, n);  // c = f·c_{t−1} + i·g
        tanhs(a, 5 * n, 6 * n, n);                // tanh c
        product(a, 3 * n, 6 * n, 7 * n, n);       // h = o·tanh c
        for (int b = 0; b < 4; b++) {
            g.put(go + b * h + j0, a, b * n, n);
        }
        c.put(co + j0, a, 5 * n, n);
        tc.put(to + j0, a, 6 * n, n);
        hOut.put(ho + j0, a, 7 * n, n);
    }

    @Override
    public void lstmBackward(FloatBuffer g, int go, FloatBuffer cp, int cpo, FloatBuffer tc, int to, FloatBuffer dh,
                             int dho, FloatBuffer dc, int dco, FloatBuffer dg, int dgo, int j0, int j1, int h) {
        int n = j1 - j0;
        float[] a = Scratch.floats(Scratch.VECTOR_0, 13 * n);  // i f g o | cp | tc | dh | dc | dg (4) | dc out
        for (int b = 0; b < 4; b++) {
            g.get(go + b * h + j0, a, b * n, n);
        }
        cp.get(cpo + j0, a, 4 * n, n);
        tc.get(to + j0, a, 5 * n, n);
        dh.get(dho + j0, a, 6 * n, n);
        dc.get(dco + j0, a, 7 * n, n);
        FloatVector one = FloatVector.broadcast(S, 1f);
        int j = 0;
        for (int up = S.loopBound(n); j < up; j += S.length()) {
            FloatVector i = FloatVector.fromArray(S, a, j);
            FloatVector f = FloatVector.fromArray(S, a, n + j);
            FloatVector cand = FloatVector.fromArray(S, a, 2 * n + j);
            FloatVector o = FloatVector.fromArray(S, a, 3 * n + j);
            FloatVector t = FloatVector.fromArray(S, a, 5 * n + j);
            FloatVector d = FloatVector.fromArray(S, a, 6 * n + j);
            FloatVector dcv = FloatVector.fromArray(S, a, 7 * n + j).add(d.mul(o).mul(one.sub(t.mul(t))));
            dcv.mul(cand).mul(i).mul(one.sub(i)).intoArray(a, 8 * n + j);
            dcv.mul(FloatVector.fromArray(S, a, 4 * n + j)).mul(f).mul(one.sub(f)).intoArray(a, 9 * n + j);
            dcv.mul(i).mul(one.sub(cand.mul(cand))).intoArray(a, 10 * n + j);
            d.mul(t).mul(o).mul(one.sub(o)).intoArray(a, 11 * n + j);
            dcv.mul(f).intoArray(a, 12 * n + j);
        }
        for (; j < n; j++) {
            float i = a[j];
            float f = a[n + j];
            float cand = a[2 * n + j];
            float o = a[3 * n + j];
            float t = a[5 * n + j];
            float d = a[6 * n + j];
            float dcv = a[7 * n + j] + d * o * (1f - t * t);
            a[8 * n + j] = dcv * cand * i * (1f - i);
            a[9 * n + j] = dcv * a[4 * n + j] * f * (1f - f);
            a[10 * n + j] = dcv * i * (1f - cand * cand);
            a[11 * n + j] = d * t * o * (1f - o);
            a[12 * n + j] = dcv * f;
        }
        for (int b = 0; b < 4; b++) {
            dg.put(dgo + b * h + j0, a, (8 + b) * n, n);
        }
        dc.put(dco + j0, a, 12 * n, n);
    }

    @Override
    public void gruForward(FloatBuffer x, int xo, FloatBuffer hg, int hgo, FloatBuffer hp, int hpo, FloatBuffer hOut,
                           int ho, FloatBuffer act, int ao, int j0, int j1, int h) {
        int n = j1 - j0;
        float[] a = Scratch.floats(Scratch.VECTOR_0, 11 * n);  // x (3) | hg (3) | hp | r z n | h
        for (int b = 0; b < 3; b++) {
            x.get(xo + b * h + j0, a, b * n, n);
            hg.get(hgo + b * h + j0, a, (3 + b) * n, n);
        }
        hp.get(hpo + j0, a, 6 * n, n);
        sums(a, 0, 3 * n, 7 * n, 2 * n);          // x_r + h_r, x_z + h_z
        gates(a, 7 * n, 2 * n);                   // r, z
        int j = 0;
        for (int up = S.loopBound(n); j < up; j += S.length()) {  // x_n + r·h_n
            FloatVector.fromArray(S, a, 2 * n + j).add(FloatVector.fromArray(S, a, 7 * n + j)
                    .mul(FloatVector.fromArray(S, a, 5 * n + j))).intoArray(a, 9 * n + j);
        }
        for (; j < n; j++) {
            a[9 * n + j] = a[2 * n + j] + a[7 * n + j] * a[5 * n + j];
        }
        tanhs(a, 9 * n, 9 * n, n);                // n
        FloatVector one = FloatVector.broadcast(S, 1f);
        j = 0;
        for (int up = S.loopBound(n); j < up; j += S.length()) {  // (1 − z)·n + z·h_{t−1}
            FloatVector z = FloatVector.fromArray(S, a, 8 * n + j);
            one.sub(z).mul(FloatVector.fromArray(S, a, 9 * n + j)).add(z.mul(FloatVector.fromArray(S, a, 6 * n + j)))
                    .intoArray(a, 10 * n + j);
        }
        for (; j < n; j++) {
            float z = a[8 * n + j];
            a[10 * n + j] = (1f - z) * a[9 * n + j] + z * a[6 * n + j];
        }
        for (int b = 0; b < 3; b++) {
            act.put(ao + b * h + j0, a, (7 + b) * n, n);
        }
        hOut.put(ho + j0, a, 10 * n, n);
    }

    /** {@code a[to + i] = a[x + i] + a[y + i]}. */
    private static void sums(float[] a, int x, int y, int to, int n) {
        int j = 0;
        for (int up = S.loopBound(n); j < up; j += S.length()) {
            FloatVector.fromArray(S, a, x + j).add(FloatVector.fromArray(S, a, y + j)).intoArray(a, to + j);
        }
        for (; j < n; j++) {
            a[to + j] = a[x + j] + a[y + j];
        }
    }
    @Override
    public void gruBackward(FloatBuffer act, int ao, FloatBuffer hg, int hgo, FloatBuffer hp, int hpo, FloatBuffer dh,
                            int dho, FloatBuffer dx, int dxo, FloatBuffer dhg, int dhgo, FloatBuffer dp, int dpo,
                            int j0, int j1, int h) {
        int n = j1 - j0;
        float[] a = Scratch.floats(Scratch.VECTOR_0, 13 * n);  // r z n | hn | hp | dh | dx (3) | dhg n | dp
        for (int b = 0; b < 3; b++) {
            act.get(ao + b * h + j0, a, b * n, n);
        }
        hg.get(hgo + 2 * h + j0, a, 3 * n, n);
        hp.get(hpo + j0, a, 4 * n, n);
        dh.get(dho + j0, a, 5 * n, n);
        FloatVector one = FloatVector.broadcast(S, 1f);
        int j = 0;
        for (int up = S.loopBound(n); j < up; j += S.length()) {
            FloatVector rg = FloatVector.fromArray(S, a, j);
            FloatVector z = FloatVector.fromArray(S, a, n + j);
            FloatVector nv = FloatVector.fromArray(S, a, 2 * n + j);
            FloatVector d = FloatVector.fromArray(S, a, 5 * n + j);
            FloatVector dn = d.mul(one.sub(z)).mul(one.sub(nv.mul(nv)));
            FloatVector dz = d.mul(FloatVector.fromArray(S, a, 4 * n + j).sub(nv)).mul(z).mul(one.sub(z));
            FloatVector dr = dn.mul(FloatVector.fromArray(S, a, 3 * n + j)).mul(rg).mul(one.sub(rg));
            dr.intoArray(a, 6 * n + j);
            dz.intoArray(a, 7 * n + j);
            dn.intoArray(a, 8 * n + j);
            dn.mul(rg).intoArray(a, 9 * n + j);
            d.mul(z).intoArray(a, 10 * n + j);
        }
        for (; j < n; j++) {
            float rg = a[j];
            float z = a[n + j];
            float nv = a[2 * n + j];
            float d = a[5 * n + j];
            float dn = d * (1f - z) * (1f - nv * nv);
            float dz = d * (a[4 * n + j] - nv) * z * (1f - z);
            float dr = dn * a[3 * n + j] * rg * (1f - rg);
            a[6 * n + j] = dr;
            a[7 * n + j] = dz;
            a[8 * n + j] = dn;
            a[9 * n + j] = dn * rg;
            a[10 * n + j] = d * z;
        }
        for (int b = 0; b < 3; b++) {
            dx.put(dxo + b * h + j0, a, (6 + b) * n, n);
        }
        dhg.put(dhgo + j0, a, 6 * n, n);
        dhg.put(dhgo + h + j0, a, 7 * n, n);
        dhg.put(dhgo + 2 * h + j0, a, 9 * n, n);
        dp.put(dpo + j0, a, 10 * n, n);
    }

    // ------------------------------------------------------------------ softmax cross-entropy, one row

    @Override
    public double softmaxRow(FloatBuffer z, int zb, int cols, int y, float wr, float gradScale) {
        float[] a = Scratch.floats(Scratch.VECTOR_0, cols);
        z.get(zb, a, 0, cols);
        float max = max(a, cols);
        double zy = (double) a[y] - max;
        exps(a, cols, max);
        double total = blockSum(a, cols);
        scale(a, cols, (float) (gradScale * wr / total));
        a[y] = a[y] - gradScale * wr;
        z.put(zb, a, 0, cols);
        return wr * (Math.log(total) - zy);
    }

    /**
     * The largest of {@code a[0, n)} (NaN if any is): each four vectors' lane-wise maxima reduced to one
     * float. {@code max} and the reduction are {@link Math#max} (NaN wins, −0 below +0), which makes the
     * result independent of the order, so it is the scalar loop's. No vector is carried from one
     * iteration to the next: at a loop's merge C2 may box it (measured: 400 bytes a row with four running
     * maxima). The scalar loop's serial chain of maxima cost a quarter of a 2,000-column row (perf).
     */
    private static float max(float[] a, int n) {
        int l = S.length();
        int c = 0;
        float max = Float.NEGATIVE_INFINITY;
        for (int up = n / (4 * l) * (4 * l); c < up; c += 4 * l) {
            FloatVector m = FloatVector.fromArray(S, a, c).max(FloatVector.fromArray(S, a, c + l))
                    .max(FloatVector.fromArray(S, a, c + 2 * l).max(FloatVector.fromArray(S, a, c + 3 * l)));
            max = Math.max(max, m.reduceLanes(VectorOperators.MAX));
        }
        for (; c < n; c++) {
            max = Math.max(max, a[c]);
        }
        return max;
    }

    /**
     * {@code a[i] = exp(a[i] − max)} on [0, n): {@link FastMath#exp}'s operations in its order, lane by
     * lane, so the same bits. The vector loop is split in two: the range reduction, then the polynomial
     * with its power of two; they pass r and the rounded multiple of log2(e) through a second scratch row.
     * Written as one loop of about 30 vector operations, its compilation reached C2's node budget before
     * the last store, which then ran as the Vector API's Java fallback (measured: 1.2 MB allocated per step
     * at 65/512/64/100). {@link #expScale} checks its bounds and so stays a compilation of its own (see
     * {@link #tanhs}); the reduction is small enough to be inlined here.
     */
    private static void exps(float[] a, int n, float max) {
        float[] t = Scratch.floats(Scratch.VECTOR_1, n);
        int up = S.loopBound(n);
        for (int c = 0; c < up; c += S.length()) {
            FloatVector x = FloatVector.fromArray(S, a, c).sub(max);
            FloatVector e = x.min(FastMath.EXP_MAX).max(FastMath.EXP_MIN);
            FloatVector r = e.mul(FastMath.LOG2E).add(FastMath.ROUND);
            r.intoArray(t, c);
            FloatVector k = r.sub(FastMath.ROUND);
            e.sub(k.mul(FastMath.LN2_HI)).sub(k.mul(FastMath.LN2_LO)).intoArray(a, c);
        }
        expScale(a, t, up, n, max);
    }

    /**
     * The second half of {@link #exps}: on the vector part [0, up) {@code a[i] = P(r)·2^k}, with the
     * remainder r in {@code a[i]} and {@code t[i] = c·log2(e) + 1.5·2^23} holding k in its low mantissa
     * bits ({@link FastMath#exp}'s polynomial and its two factors of a power of two); on the tail [up, n)
     * the scalar {@code FastMath.exp(a[i] − max)}.
     */
    private static void expScale(float[] a, float[] t, int up, int n, float max) {
        if (n < 0 || n > a.length) {
            throw new IndexOutOfBoundsException("exp: " + n + " floats exceed the " + a.length + "-float scratch row");
        }
        if (up < 0 || up > n || up > t.length) {
            throw new IndexOutOfBoundsException("exp: the vector part's " + up + " floats exceed the " + n
                    + "-float row or the " + t.length + "-float row of its exponents");
        }
        if (up % S.length() != 0) {
            // The loop would run past up into the tail, whose remainders the scalar loop does not expect.
            throw new IllegalArgumentException("exp: the vector part's " + up + " floats are not a multiple of the "
                    + S.length() + " lanes");
        }
        int c = 0;
        for (; c < up; c += S.length()) {
            FloatVector r = FloatVector.fromArray(S, a, c);
            FloatVector p = FloatVector.broadcast(S, 1.98412698e-4f);
            p = p.mul(r).add(1.38888889e-3f);
            p = p.mul(r).add(8.33333333e-3f);
            p = p.mul(r).add(4.16666667e-2f);
            p = p.mul(r).add(1.66666667e-1f);
            p = p.mul(r).add(0.5f);
            p = p.mul(r).add(1f);
            p = p.mul(r).add(1f);
            // (int) k from t's bits: exact for |k| < 2^22; a NaN's garbage meets a NaN p. JDK 17's F2I
            // conversion allocates; a reinterpretation does not.
            IntVector ki = (IntVector) FloatVector.fromArray(S, t, c).reinterpretAsInts().sub(0x4B400000);
            IntVector half = ki.lanewise(VectorOperators.ASHR, 1);
            FloatVector f1 = half.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            FloatVector f2 = ki.sub(half).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            p.mul(f1).mul(f2).intoArray(a, c);
        }
        for (; c < n; c++) {
            a[c] = FastMath.exp(a[c] - max);
        }
    }

    /**
     * {@link FastMath#blockSum} of {@code a[0, n)}, the same bits: each block's 16 lane sums kept in a
     * 16-float array, to which every row of 16 is added a vector at a time (through memory, so that no
     * vector is carried around the loop; see {@link #max}), the partial last row by scalar additions
     * into its lanes, and the 16 lane sums added in lane order.
     */
    private static double blockSum(float[] a, int n) {
        int lanes = S.length();
        if (FastMath.SUM_LANES % lanes != 0) {
            return FastMath.blockSum(java.nio.FloatBuffer.wrap(a), 0, n);
        }
        float[] f = Scratch.floats(Scratch.VECTOR_1, FastMath.SUM_LANES);
        double total = 0;
        for (int b = 0; b < n; b += FastMath.SUM_BLOCK) {
            int end = Math.min(b + FastMath.SUM_BLOCK, n);
            int rows = b + (end - b) / FastMath.SUM_LANES * FastMath.SUM_LANES;
            for (int o = 0; o < FastMath.SUM_LANES; o += lanes) {
                FloatVector.zero(S).intoArray(f, o);
            }
            for (int i = b; i < rows; i += FastMath.SUM_LANES) {
                for (int o = 0; o < FastMath.SUM_LANES; o += lanes) {
                    FloatVector.fromArray(S, f, o).add(FloatVector.fromArray(S, a, i + o)).intoArray(f, o);
                }
            }
            for (int i = rows; i < end; i++) {
                f[i - rows] += a[i];
            }
            for (int l = 0; l < FastMath.SUM_LANES; l++) {
                total += f[l];
            }
        }
        return total;
    }

    /** {@code a[i] = k·a[i]} on [0, n) (a loop the JIT vectorizes by itself). */
    private static void scale(float[] a, int n, float k) {
        for (int c = 0; c < n; c++) {
            a[c] = k * a[c];
        }
    }
}
