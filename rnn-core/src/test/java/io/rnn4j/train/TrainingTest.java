package io.rnn4j.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.rnn4j.backend.Activation;
import io.rnn4j.backend.UpdateRule;
import io.rnn4j.backend.cpu.CpuBackend;
import io.rnn4j.data.Batch;
import io.rnn4j.nn.RnnModel;
import io.rnn4j.nn.RnnConfig;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/** End-to-end behaviour of training: determinism, learning, step reports. */
class TrainingTest {

    /** A sequence whose next token is a fixed function of the current one: learnable exactly. */
    private static Batch cyclic(int b, int t, int v, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] in = new int[b * t];
        int[] out = new int[b * t];
        for (int s = 0; s < b; s++) {
            int tok = r.nextInt(v);
            for (int k = 0; k < t; k++) {
                in[k * b + s] = tok;
                tok = (tok * 3 + 1) % v;
                out[k * b + s] = tok;
            }
        }
        return Batch.tokensTimeMajor(b, t, in, out);
    }

    private static float[] train(long seed, UpdateRule.Kind kind, int steps) {
        RnnConfig cfg = RnnConfig.tokens(11, 16).seed(seed).build();
        OptimizerConfig opt = switch (kind) {
            case SGD -> OptimizerConfig.sgd(0.5, 0.9);
            case ADAGRAD -> OptimizerConfig.adagrad(0.1);
            case RMSPROP -> OptimizerConfig.rmsprop(0.01);
            case ADAM -> OptimizerConfig.adam(0.02);
            case ADAMW -> OptimizerConfig.adamW(0.02);
        };
        try (RnnModel model = new RnnModel(new CpuBackend(), cfg);
             Trainer trainer = new Trainer(model, TrainerConfig.builder().optimizer(opt).carryState(true).build())) {
            for (int i = 0; i < steps; i++) {
                trainer.step(cyclic(4, 8, 11, i));
            }
            return model.parameters().downloadAll();
        }
    }

    @ParameterizedTest
    @EnumSource(UpdateRule.Kind.class)
    void sameSeedGivesBitIdenticalParameters(UpdateRule.Kind kind) {
        float[] a = train(17, kind, 12);
        float[] b = train(17, kind, 12);
        assertArrayEquals(a, b);
        float[] c = train(18, kind, 12);
        assertTrue(!java.util.Arrays.equals(a, c), "another seed gives other parameters");
    }

    @ParameterizedTest
    @EnumSource(UpdateRule.Kind.class)
    void everyOptimizerLearnsADeterministicSequence(UpdateRule.Kind kind) {
        RnnConfig cfg = RnnConfig.tokens(11, 24).seed(4).build();
        OptimizerConfig opt = switch (kind) {
            case SGD -> OptimizerConfig.sgd(0.5, 0.9);
            case ADAGRAD -> OptimizerConfig.adagrad(0.2);
            case RMSPROP -> OptimizerConfig.rmsprop(0.01);
            case ADAM -> OptimizerConfig.adam(0.02);
            case ADAMW -> OptimizerConfig.adamW(0.02);
        };
        try (RnnModel model = new RnnModel(new CpuBackend(), cfg);
             Trainer trainer = new Trainer(model, TrainerConfig.builder().optimizer(opt).build())) {
            double first = trainer.evaluate(cyclic(8, 10, 11, 1000));
            for (int i = 0; i < 300; i++) {
                trainer.step(cyclic(8, 10, 11, i));
            }
            double last = trainer.evaluate(cyclic(8, 10, 11, 1000));
            assertTrue(first > 2.0, "starts near ln 11 = 2.4: " + first);
            assertTrue(last < 0.1, kind + ": loss after 300 steps " + last + " (from " + first + ")");
        }
    }

    @ParameterizedTest
    @EnumSource(Activation.class)
    void everyActivationTrainsOnARegressionTask(Activation a) {
        // Predict an exponential moving average of the inputs: a smooth target every activation can fit.
        RnnConfig cfg = RnnConfig.dense(1, 16, 1).activation(a).seed(9).build();
        try (RnnModel model = new RnnModel(new CpuBackend(), cfg);
             Trainer trainer = new Trainer(model, TrainerConfig.builder().loss(Loss.MSE_EVERY_STEP)
                     .optimizer(OptimizerConfig.adam(0.01)).build())) {
            double first = Double.NaN;
            double last = Double.NaN;
            for (int i = 0; i < 300; i++) {
                StepResult r = trainer.step(movingAverage(8, 6, i));
                if (i == 0) {
                    first = r.loss();
                }
                last = r.loss();
            }
            assertTrue(last < first / 4, a + ": loss " + first + " → " + last);
        }
    }

    private static Batch movingAverage(int b, int t, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[b * t];
        float[] y = new float[b * t];
        for (int s = 0; s < b; s++) {
            double avg = 0;
            for (int k = 0; k < t; k++) {
                float v = (float) r.nextDouble(-1, 1);
                x[k * b + s] = v;
                avg = 0.5 * avg + 0.5 * v;
                y[k * b + s] = (float) avg;
            }
        }
        return Batch.denseTimeMajor(b, t, x, 1, y, 1);
    }

    @Test
    void stepReportsTokensLossNormAndTime() {
        try (RnnModel model = new RnnModel(new CpuBackend(), RnnConfig.tokens(11, 8).build());
             Trainer trainer = new Trainer(model, TrainerConfig.builder().reduction(Reduction.SUM)
                     .clipping(Clipping.globalNorm(1e-3)).build())) {
            StepResult r = trainer.step(cyclic(3, 4, 11, 1));
            assertEquals(1, r.step());
            assertEquals(12, r.tokens());
            assertEquals(Reduction.SUM, r.reduction());
            assertTrue(r.loss() > 12 * 2.0 && r.loss() < 12 * 3.0, "summed loss ≈ 12 ln 11: " + r.loss());
            assertTrue(r.gradNorm() > 1e-3);
            assertEquals(1e-3 / r.gradNorm(), r.clipScale(), 1e-6 * r.clipScale());
            assertTrue(r.elapsedNanos() > 0);
            assertTrue(r.tokensPerSecond() > 0);
        }
    }
}
