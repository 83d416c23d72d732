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
        int i = 0;
        for (int up = S.loopBound(n); i < up; i += S.length()) {
            tanh(FloatVector.fromArray(S, a, i)).intoArray(a, i);
        }
        for (; i < n; i++) {
            a[i] = FastMath.tanh(a[i]);
        }
        h.put(ho, a, 0, n);
    }

    private static FloatVector tanh(FloatVector x) {
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
        return c.mul(p).div(q).min(1f).max(-1f);
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
}
