package io.rnn4j.backend.cpu;

import static io.rnn4j.backend.cpu.CpuBackend.lo;
import static io.rnn4j.backend.cpu.CpuBackend.off;

import io.rnn4j.backend.Tensor;
import io.rnn4j.backend.UpdateRule;
import io.rnn4j.internal.Shapes;
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

    void update(UpdateRule rule, Tensor params, Tensor grads, Tensor state1, Tensor state2, Tensor gradScale,
                long step) {
        Shapes.optimizerUpdate(rule, params, grads, state1, state2, gradScale, step);
        int states = rule.stateTensors();
        UpdateTask t = task;
        t.p = be.data(params);
        t.po = off(params);
        t.g = be.data(grads);
        t.go = off(grads);
        t.n = (int) params.size();
        t.rule = rule;
        t.s1 = states >= 1 ? be.data(state1) : null;
        t.o1 = states >= 1 ? off(state1) : 0;
        t.s2 = states >= 2 ? be.data(state2) : null;
        t.o2 = states >= 2 ? off(state2) : 0;
        t.scale = be.data(gradScale).get(off(gradScale));
        t.c1 = (float) (1.0 / (1.0 - Math.pow(rule.beta1(), step)));
        t.c2 = (float) (1.0 / (1.0 - Math.pow(rule.beta2(), step)));
        be.workers.run(t, be.partsFor(params.size()));
        t.rule = null;
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
        FloatBuffer s1;
        int o1;
        FloatBuffer s2;
        int o2;
        float scale;
        float c1;
        float c2;

        @Override
        public void run(int part, int parts) {
            int i0 = lo(n, part, parts);
            int i1 = lo(n, part + 1, parts);
            float k = scale;
            float clip = rule.clipValue();
            boolean clamp = clip != Float.POSITIVE_INFINITY;
            float lr = rule.learningRate();
            float eps = rule.epsilon();
            switch (rule.kind()) {
                case SGD -> {
                    float mu = rule.momentum();
                    for (int i = i0; i < i1; i++) {
                        float gi = k * g.get(go + i);
                        if (clamp) {
                            gi = clamp(gi, clip);
                        }
                        if (s1 != null) {
                            gi = mu * s1.get(o1 + i) + gi;
                            s1.put(o1 + i, gi);
                        }
                        p.put(po + i, p.get(po + i) - lr * gi);
                    }
                }
                case ADAGRAD -> {
                    for (int i = i0; i < i1; i++) {
                        float gi = k * g.get(go + i);
                        if (clamp) {
                            gi = clamp(gi, clip);
                        }
                        float a = s1.get(o1 + i) + gi * gi;
                        s1.put(o1 + i, a);
                        p.put(po + i, p.get(po + i) - lr * gi / ((float) Math.sqrt(a) + eps));
                    }
                }
                case RMSPROP -> {
                    float rho = rule.rho();
                    for (int i = i0; i < i1; i++) {
                        float gi = k * g.get(go + i);
                        if (clamp) {
                            gi = clamp(gi, clip);
                        }
                        float v = rho * s1.get(o1 + i) + (1f - rho) * gi * gi;
                        s1.put(o1 + i, v);
                        p.put(po + i, p.get(po + i) - lr * gi / ((float) Math.sqrt(v) + eps));
                    }
                }
                case ADAM -> {
                    float b1 = rule.beta1();
                    float b2 = rule.beta2();
                    for (int i = i0; i < i1; i++) {
                        float gi = k * g.get(go + i);
                        if (clamp) {
                            gi = clamp(gi, clip);
                        }
                        float m = b1 * s1.get(o1 + i) + (1f - b1) * gi;
                        float v = b2 * s2.get(o2 + i) + (1f - b2) * gi * gi;
                        s1.put(o1 + i, m);
                        s2.put(o2 + i, v);
                        p.put(po + i, p.get(po + i) - lr * (m * c1) / ((float) Math.sqrt(v * c2) + eps));
                    }
                }
                default -> throw new IllegalArgumentException("unsupported optimizer " + rule.kind());
            }
        }
    }
}
