package io.rnn4j.backend.cpu;

import java.nio.FloatBuffer;
import jdk.incubator.vector.FloatVector;
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
        return VectorSoftmax.row(z, zb, cols, y, wr, gradScale);
    }
}
