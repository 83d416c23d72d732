package io.rnn4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rnn4j.backend.Activation;
import io.rnn4j.backend.cpu.CpuBackend;
import io.rnn4j.data.Batch;
import io.rnn4j.nn.RnnModel;
import io.rnn4j.nn.InputKind;
import io.rnn4j.reference.Scenario;
import org.junit.jupiter.api.Test;

/**
 * Clipping, observed through the update: with plain SGD and lr = 1 the parameter change is exactly
 * minus the applied gradient.
 */
class ClippingTest {

    private static final Scenario SC = new Scenario(Activation.TANH, true, InputKind.TOKENS,
            Loss.SOFTMAX_CROSS_ENTROPY, Reduction.SUM, 0, false, 42);

    /** Returns {raw gradient, applied update} as flat arenas, and the step result. */
    private static Object[] run(Clipping clipping) {
        Batch batch = SC.batch();
        try (RnnModel model = new RnnModel(new CpuBackend(), SC.config());
             Trainer trainer = new Trainer(model, TrainerConfig.builder().optimizer(OptimizerConfig.sgd(1.0))
                     .reduction(Reduction.SUM).clipping(clipping).build())) {
            SC.load(model);
            float[] before = model.parameters().downloadAll();
            StepResult r = trainer.step(batch);
            float[] after = model.parameters().downloadAll();
            float[] g = trainer.gradients().downloadAll();
            double[] applied = new double[g.length];
            for (int i = 0; i < g.length; i++) {
                applied[i] = (double) before[i] - after[i];
            }
            return new Object[] {g, applied, r};
        }
    }

    private static double norm(double[] x) {
        double s = 0;
        for (double v : x) {
            s += v * v;
        }
        return Math.sqrt(s);
    }

    private static double norm(float[] x) {
        double s = 0;
        for (float v : x) {
            s += (double) v * v;
        }
        return Math.sqrt(s);
    }

    @Test
    void globalNormClippingLeavesTheNormAtThetaAndKeepsTheDirection() {
        float[] g = (float[]) run(Clipping.none())[0];
        double raw = norm(g);
        double theta = raw / 4;
        Object[] res = run(Clipping.globalNorm(theta));
        double[] applied = (double[]) res[1];
        StepResult r = (StepResult) res[2];
        assertEquals(raw, r.gradNorm(), 1e-6 * raw, "pre-clip norm reported");
        assertEquals(theta / raw, r.clipScale(), 1e-6, "scale reported");
        // The update is computed in float32 (p − lr·g'), so its norm carries rounding of the parameters
        // (|p| < 1 → 6e-8 absolute per element); the relative bound below is well above that.
        assertEquals(theta, norm(applied), 1e-5 * theta, "‖clipped g‖ = θ");
        double dot = 0;
        for (int i = 0; i < g.length; i++) {
            dot += g[i] * applied[i];
        }
        double cos = dot / (raw * norm(applied));
        assertEquals(1.0, cos, 1e-9, "direction unchanged");
    }

    @Test
    void globalNormClippingDoesNothingBelowTheThreshold() {
        float[] g = (float[]) run(Clipping.none())[0];
        double raw = norm(g);
        Object[] res = run(Clipping.globalNorm(raw * 1.5));
        double[] applied = (double[]) res[1];
        StepResult r = (StepResult) res[2];
        assertEquals(1.0, r.clipScale(), 0.0);
        double[] unclipped = (double[]) run(Clipping.none())[1];
        for (int i = 0; i < applied.length; i++) {
            assertEquals(unclipped[i], applied[i], 0.0, "bit-identical to no clipping at element " + i);
        }
    }

    @Test
    void valueClippingClampsEachElement() {
        float[] g = (float[]) run(Clipping.none())[0];
        float max = 0;
        for (float v : g) {
            max = Math.max(max, Math.abs(v));
        }
        float c = max / 3;
        Object[] res = run(Clipping.value(c));
        double[] applied = (double[]) res[1];
        boolean clampedSome = false;
        for (int i = 0; i < g.length; i++) {
            double want = Math.max(-c, Math.min(c, g[i]));
            clampedSome |= Math.abs(g[i]) > c;
            assertEquals(want, applied[i], 1e-6, "element " + i);
        }
        assertTrue(clampedSome);
        assertEquals(1.0, ((StepResult) res[2]).clipScale(), 0.0);
    }

    @Test
    void parsing() {
        assertEquals(Clipping.globalNorm(5), Clipping.parse("global:5"));
        assertEquals(Clipping.value(0.5), Clipping.parse("value:0.5"));
        assertEquals(Clipping.none(), Clipping.parse("none"));
        assertTrue(org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Clipping.parse("global:-1")).getMessage().contains("positive"));
    }
}
