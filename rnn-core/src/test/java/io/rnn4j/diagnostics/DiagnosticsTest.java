package io.rnn4j.diagnostics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rnn4j.backend.Activation;
import io.rnn4j.backend.cpu.CpuBackend;
import io.rnn4j.data.Batch;
import io.rnn4j.nn.RnnModel;
import io.rnn4j.nn.Init;
import io.rnn4j.nn.InputKind;
import io.rnn4j.nn.ParameterLayout;
import io.rnn4j.nn.RnnConfig;
import io.rnn4j.reference.ReferenceRnn;
import io.rnn4j.reference.Scenario;
import io.rnn4j.train.Loss;
import io.rnn4j.train.NonFiniteException;
import io.rnn4j.train.OptimizerConfig;
import io.rnn4j.train.Reduction;
import io.rnn4j.train.StepResult;
import io.rnn4j.train.Trainer;
import io.rnn4j.train.TrainerConfig;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class DiagnosticsTest {

    @ParameterizedTest
    @EnumSource(Activation.class)
    void perStepNormsMatchTheReference(Activation a) {
        for (Loss loss : new Loss[] {Loss.SOFTMAX_CROSS_ENTROPY, Loss.MSE_LAST_STEP}) {
            Scenario sc = new Scenario(a, true, InputKind.DENSE, loss, Reduction.SUM, 1, true, 500 + a.ordinal());
            Batch batch = sc.batch();
            try (RnnModel model = new RnnModel(new CpuBackend(), sc.config());
                 Trainer trainer = new Trainer(model, TrainerConfig.builder().loss(loss).reduction(Reduction.SUM)
                         .optimizer(OptimizerConfig.sgd(0.01)).diagnostics(true).build())) {
                sc.load(model);
                trainer.setHiddenState(Scenario.B, sc.h0Flat());
                trainer.computeGradients(batch);
                GradientFlow flow = trainer.lastGradientFlow();
                double[][] want = sc.reference().stepGradientSquares(batch, sc.h0());
                assertEquals(Scenario.T, flow.steps());
                for (int t = 0; t < Scenario.T; t++) {
                    assertEquals(Math.sqrt(want[t][0]), flow.dh()[t], 1e-5 * Math.sqrt(want[t][0]) + 1e-9,
                            a + " " + loss + " ‖∂E/∂h‖ at step " + t);
                    assertEquals(Math.sqrt(want[t][1]), flow.delta()[t], 1e-5 * Math.sqrt(want[t][1]) + 1e-9,
                            a + " " + loss + " ‖δ‖ at step " + t);
                }
                Map<String, double[]> g = sc.reference().gradientsSweep(batch, sc.h0());
                for (var e : g.entrySet()) {
                    double n = 0;
                    for (double v : e.getValue()) {
                        n += v * v;
                    }
                    assertEquals(Math.sqrt(n), flow.parameterNorms().get(e.getKey()), 1e-5 * Math.sqrt(n) + 1e-9,
                            e.getKey());
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.8, 1.0, 1.2})
    void linearRnnWithScaledIdentityDecaysExactlyAsAlphaToTheLag(double alpha) {
        int steps = 12;
        int h = 5;
        RnnConfig cfg = RnnConfig.dense(2, h, 1).activation(Activation.IDENTITY).biases(false)
                .recurrentInit(Init.identity(alpha)).inputInit(Init.normal(0.5)).outputInit(Init.normal(0.5)).seed(2)
                .build();
        float[] x = new float[steps * 2];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) Math.sin(i);
        }
        try (RnnModel model = new RnnModel(new CpuBackend(), cfg);
             Trainer trainer = new Trainer(model, TrainerConfig.builder().loss(Loss.MSE_LAST_STEP)
                     .reduction(Reduction.SUM).diagnostics(true).build())) {
            trainer.computeGradients(Batch.denseLastStep(1, steps, x, 2, new float[] {3f}, 1));
            GradientFlow flow = trainer.lastGradientFlow();
            for (int k = 0; k < steps; k++) {
                double want = flow.dh()[steps - 1] * Math.pow(alpha, steps - 1 - k);
                assertEquals(want, flow.dh()[k], 1e-5 * want, "‖∂E_T/∂h_k‖ at k = " + k);
            }
            assertEquals(Math.log(alpha), flow.decayRatePerStep(), 1e-5, "ln ‖∂E/∂h_k‖ changes by ln α per step back");
            // The Jacobian product on the host: ‖∂h_t/∂h_k‖ = α^(t−k) exactly.
            double[] u = new double[h * h];
            float[] uf = model.parameter(ParameterLayout.RECURRENT_WEIGHTS);
            for (int i = 0; i < u.length; i++) {
                u[i] = uf[i];
            }
            double af = (float) alpha; // U holds α rounded to float
            double[][] pre = new double[steps][h];
            double[] norms = Spectral.jacobianNorms(u, h, Activation.IDENTITY, pre, null, steps - 1);
            for (int lag = 1; lag < steps; lag++) {
                assertEquals(Math.pow(af, lag), norms[lag - 1], 1e-12 * Math.pow(af, lag), "lag " + lag);
            }
            assertEquals(af, Spectral.spectralRadius(u, h), 1e-9);
            assertEquals(af, Spectral.largestSingularValue(u, h), 1e-12);
        }
    }

    @Test
    void spectralRadiusAndSingularValueOfKnownMatrices() {
        // A rotation by 30° scaled by 0.9 (complex eigenvalues of modulus 0.9), plus a shear.
        double c = Math.cos(Math.PI / 6) * 0.9;
        double s = Math.sin(Math.PI / 6) * 0.9;
        double[] rot = {c, -s, s, c};
        assertEquals(0.9, Spectral.spectralRadius(rot, 2), 1e-6);
        assertEquals(0.9, Spectral.largestSingularValue(rot, 2), 1e-9);
        double[] shear = {1, 10, 0, 1};
        assertEquals(1.0, Spectral.spectralRadius(shear, 2), 0.02, "Jordan block converges slowly but to 1");
        double sigma = Math.sqrt((102 + Math.sqrt(102 * 102 - 4)) / 2);
        assertEquals(sigma, Spectral.largestSingularValue(shear, 2), 1e-9);
    }

    @Test
    void decayRateFit() {
        double[] norms = new double[10];
        for (int k = 0; k < 10; k++) {
            norms[k] = 3 * Math.exp(-0.25 * (9 - k));
        }
        assertEquals(-0.25, GradientFlow.decayRate(norms), 1e-12);
        assertTrue(Double.isNaN(GradientFlow.decayRate(new double[] {0, 0, 1})));
    }

    @Test
    void saturationAndDeadUnits() {
        float[] h = {0.995f, -0.2f, 0.1f, -0.999f, 0.3f, 0.4f, 0.5f, 0.6f};
        float[] s = {3f, -0.2f, -1f, -4f, 0.3f, 0.4f, -0.5f, 0.6f};
        ActivationStats tanh = ActivationStats.of(Activation.TANH, s, h, 2, 2, 2);
        assertArrayEquals(new double[] {0.5, 0.0}, tanh.saturated());
        ActivationStats relu = ActivationStats.of(Activation.RELU, s, h, 2, 2, 2);
        assertArrayEquals(new double[] {0.75, 0.25}, relu.saturated());
        assertEquals(0.5, relu.mean(), 1e-12);
    }

    /** A linear RNN with U = 1e30·I: h_1 ≈ 1, h_2 ≈ 1e30, and s_2 (the third step) overflows. */
    private static RnnModel exploding() {
        return new RnnModel(new CpuBackend(), RnnConfig.dense(1, 2, 1).activation(Activation.IDENTITY)
                .recurrentInit(Init.identity(1e30)).inputInit(Init.uniform(1)).build());
    }

    private static final Batch BLOWS_UP = Batch.denseTimeMajor(1, 3, new float[] {1f, 1f, 1f}, 1, new float[3], 1);

    @Test
    void nonFiniteThrowsWithTheFirstLocation() {
        try (RnnModel model = exploding();
             Trainer trainer = new Trainer(model, TrainerConfig.builder().loss(Loss.MSE_EVERY_STEP).build())) {
            NonFiniteException e = assertThrows(NonFiniteException.class, () -> trainer.step(BLOWS_UP));
            assertNotNull(e.location());
            assertTrue(e.getMessage().contains(e.location().toString()), e.getMessage());
            assertEquals("pre-activation", e.location().tensor(), e.location().toString());
            assertEquals(2, e.location().step(), e.location().toString());
            assertEquals(0, e.location().batch());
        }
    }

    @Test
    void nonFiniteSkipOrContinue() {
        try (RnnModel model = exploding();
             Trainer trainer = new Trainer(model, TrainerConfig.builder().loss(Loss.MSE_EVERY_STEP)
                     .optimizer(OptimizerConfig.sgd(0.1)).nonFinitePolicy(NonFinitePolicy.SKIP_UPDATE).build())) {
            float[] before = model.parameters().downloadAll();
            StepResult r = trainer.step(BLOWS_UP);
            assertFalse(r.updated());
            assertNotNull(r.nonFinite());
            assertArrayEquals(before, model.parameters().downloadAll());
            assertEquals(0, trainer.stepCount());
        }
        try (RnnModel model = exploding();
             Trainer trainer = new Trainer(model, TrainerConfig.builder().loss(Loss.MSE_EVERY_STEP)
                     .optimizer(OptimizerConfig.sgd(0.1)).nonFinitePolicy(NonFinitePolicy.CONTINUE).build())) {
            StepResult r = trainer.step(BLOWS_UP);
            assertTrue(r.updated());
            assertNotNull(r.nonFinite());
            assertEquals(1, trainer.stepCount());
        }
    }

    @Test
    void diagnosticsOffMeansNoFlow() {
        try (RnnModel model = new RnnModel(new CpuBackend(), RnnConfig.tokens(5, 3).build());
             Trainer trainer = new Trainer(model, TrainerConfig.builder().build())) {
            StepResult r = trainer.step(Batch.tokens(new int[][] {{1, 2}}, new int[][] {{2, 3}}));
            assertNull(r.nonFinite());
            assertThrows(IllegalStateException.class, trainer::lastGradientFlow);
            assertEquals(2, trainer.lastActivationStats().saturated().length);
        }
    }
}
