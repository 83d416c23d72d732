package io.rnn4j.backend.cpu;

import static io.rnn4j.backend.cpu.CpuBackend.lo;
import static io.rnn4j.backend.cpu.CpuBackend.off;

import io.rnn4j.backend.Tensor;
import io.rnn4j.backend.UpdateRule;
import io.rnn4j.backend.internal.Shapes;
import java.nio.FloatBuffer;

/**
 * The fused optimizer update of the CPU backend: one pass over the parameter arena, split into
 * ranges, with the formulas of {@link UpdateRule}. A NaN gradient stays NaN through the clamp (the
 * non-finite check must see it).
 */
final class CpuOptimizer {
    private final CpuBackend be;
    private final UpdateTask task = new UpdateTask();

    CpuOptimizer(CpuBackend be) {
        this.be = be;
    }

    void update(UpdateRule rule, Tensor params, Tensor grads, Tensor state1, Tensor state2, Tensor state3,
                Tensor gradScale, long step) {
        run(rule, rule.learningRate(), params, grads, state1, state2, state3, gradScale, step);
    }

    /** The update with learning rate {@code lr} (the rule's other hyper-parameters). */
    private void run(UpdateRule rule, float lr, Tensor params, Tensor grads, Tensor state1, Tensor state2,
                     Tensor state3, Tensor gradScale, long step) {
        Shapes.optimizerUpdate(rule, params, grads, state1, state2, state3, gradScale, step);
        int states = rule.stateTensors();
        UpdateTask t = task;
        t.p = be.data(params);
        t.po = off(params);
        t.g = be.data(grads);
        t.go = off(grads);
        t.n = (int) params.size();
        t.rule = rule;
        t.lr = lr;
        bindState(t, 0, states > 0 ? state1 : null);
        bindState(t, 1, states > 1 ? state2 : null);
        bindState(t, 2, states > 2 ? state3 : null);
        t.scale = be.data(gradScale).get(off(gradScale));
        t.c1 = (float) (1.0 / (1.0 - Math.pow(rule.beta1(), step)));
        t.c2 = (float) (1.0 / (1.0 - Math.pow(rule.beta2(), step)));
        be.workers.run(t, be.partsFor(params.size()));
        t.rule = null;
    }

    /**
     * {@link io.rnn4j.backend.Backend#gatedUpdate}, the check and the control read in place (nothing
     * allocated); the count and the rate come from the control, not from the caller's {@code step}
     * and rule, as on a device whose call was captured once.
     */
    void gatedUpdate(UpdateRule rule, Tensor params, Tensor grads, Tensor state1, Tensor state2, Tensor state3,
                     Tensor gradScale, Tensor check, Tensor control, long step) {
        Shapes.gateControl(control);
        if (check != null) {
            FloatBuffer c = be.data(check);
            for (int r = 0; r < check.rows(); r++) {
                int base = off(check) + r * check.rowStride();
                for (int k = 0; k < check.cols(); k++) {
                    if (!Float.isFinite(c.get(base + k))) {
                        return;
                    }
                }
            }
        }
        FloatBuffer c = be.data(control);
        float next = c.get(off(control)) + 1;
        run(rule, c.get(off(control) + 1), params, grads, state1, state2, state3, gradScale, (long) next);
        c.put(off(control), next);
    }

    private void bindState(UpdateTask t, int i, Tensor state) {
        t.s[i] = state == null ? null : be.data(state);
        t.so[i] = state == null ? 0 : off(state);
    }

    /** {@code clamp(g, −c, c)} that keeps NaN (as {@link Math#min} and {@link Math#max} do). */
    static float clamp(float g, float c) {
        return Math.max(-c, Math.min(c, g));
    }

    /** The update on ranges of the arena. */
    private static final class UpdateTask implements CpuWorkers.Task {
        FloatBuffer p;
        int po;
        FloatBuffer g;
        int go;
        int n;
        UpdateRule rule;
        /** The learning rate of this update (the rule's, or the gated update's control). */
        float lr;
        final FloatBuffer[] s = new FloatBuffer[3];
        final int[] so = new int[3];
        float scale;
        float c1;
        float c2;

        @Override
        public void run(int part, int parts) {
            int i0 = lo(n, part, parts);
            int i1 = lo(n, part + 1, parts);
            switch (rule.kind()) {
                case SGD -> sgd(i0, i1);
                case ADAGRAD -> adagrad(i0, i1);
                case RMSPROP -> rmsprop(i0, i1);
                case ADAM, ADAMW -> adam(i0, i1);
                default -> throw new IllegalArgumentException("unsupported optimizer " + rule.kind());
            }
        }

        /** The clipped, scaled gradient of element i, with L2 weight decay unless decoupled. */
        private float grad(int i, float clip, boolean clamp, float wd) {
            float gi = scale * g.get(go + i);
            if (clamp) {
                gi = clamp(gi, clip);
            }
            if (wd != 0f) {
                gi += wd * p.get(po + i);
            }
            return gi;
        }

        private void sgd(int i0, int i1) {
            float clip = rule.clipValue();
            boolean clamp = clip != Float.POSITIVE_INFINITY;
            float lr = this.lr;
            float wd = rule.weightDecay();
            float mu = rule.momentum();
            FloatBuffer b = s[0];
            int bo = so[0];
            boolean nesterov = rule.nesterov();
            for (int i = i0; i < i1; i++) {
                float gi = grad(i, clip, clamp, wd);
                if (b != null) {
                    float bi = mu * b.get(bo + i) + gi;
                    b.put(bo + i, bi);
                    gi = nesterov ? gi + mu * bi : bi;
                }
                p.put(po + i, p.get(po + i) - lr * gi);
            }
        }

        private void adagrad(int i0, int i1) {
            float clip = rule.clipValue();
            boolean clamp = clip != Float.POSITIVE_INFINITY;
            float lr = this.lr;
            float eps = rule.epsilon();
            float wd = rule.weightDecay();
            FloatBuffer a = s[0];
            int ao = so[0];
            for (int i = i0; i < i1; i++) {
                float gi = grad(i, clip, clamp, wd);
                float acc = a.get(ao + i) + gi * gi;
                a.put(ao + i, acc);
                p.put(po + i, p.get(po + i) - lr * gi / ((float) Math.sqrt(acc) + eps));
            }
        }

        private void rmsprop(int i0, int i1) {
            float clip = rule.clipValue();
            boolean clamp = clip != Float.POSITIVE_INFINITY;
            float lr = this.lr;
            float eps = rule.epsilon();
            float wd = rule.weightDecay();
            float alpha = rule.rho();
            float mu = rule.momentum();
            FloatBuffer v = s[0];
            int vo = so[0];
            int k = 1;
            FloatBuffer buf = mu != 0f ? s[k] : null;
            int bufo = mu != 0f ? so[k++] : 0;
            FloatBuffer avg = rule.centered() ? s[k] : null;
            int avgo = rule.centered() ? so[k] : 0;
            for (int i = i0; i < i1; i++) {
                float gi = grad(i, clip, clamp, wd);
                float vi = alpha * v.get(vo + i) + (1f - alpha) * gi * gi;
                v.put(vo + i, vi);
                float d;
                if (avg != null) {
                    float ai = alpha * avg.get(avgo + i) + (1f - alpha) * gi;
                    avg.put(avgo + i, ai);
                    d = (float) Math.sqrt(vi - ai * ai) + eps;
                } else {
                    d = (float) Math.sqrt(vi) + eps;
                }
                if (buf != null) {
                    float bi = mu * buf.get(bufo + i) + gi / d;
                    buf.put(bufo + i, bi);
                    p.put(po + i, p.get(po + i) - lr * bi);
                } else {
                    p.put(po + i, p.get(po + i) - lr * gi / d);
                }
            }
        }

        private void adam(int i0, int i1) {
            float clip = rule.clipValue();
            boolean clamp = clip != Float.POSITIVE_INFINITY;
            float lr = this.lr;
            float eps = rule.epsilon();
            boolean decoupled = rule.kind() == UpdateRule.Kind.ADAMW;
            float wd = rule.weightDecay();
            float b1 = rule.beta1();
            float b2 = rule.beta2();
            FloatBuffer m = s[0];
            int mo = so[0];
            FloatBuffer v = s[1];
            int vo = so[1];
            for (int i = i0; i < i1; i++) {
                float gi = grad(i, clip, clamp, decoupled ? 0f : wd);
                float pi = p.get(po + i);
                if (decoupled) {
                    pi -= lr * wd * pi;
                }
                float mi = b1 * m.get(mo + i) + (1f - b1) * gi;
                float vi = b2 * v.get(vo + i) + (1f - b2) * gi * gi;
                m.put(mo + i, mi);
                v.put(vo + i, vi);
                p.put(po + i, pi - lr * (mi * c1) / ((float) Math.sqrt(vi * c2) + eps));
            }
        }
    }
}
